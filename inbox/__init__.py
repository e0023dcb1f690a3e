"""The staff's inbox: items that need a person, taking over a conversation, handing it back."""
