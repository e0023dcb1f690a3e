"""The parts of the screening dialogue, one module per flow, and their texts."""
