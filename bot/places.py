"""Find the words of a reply that name a place ("i Vejle", "på sundhedscentret").

A place is a word after "i", "på" or "ved" that is not a time or a common word, or a kind of
place anywhere ("sundhedscentret", "arbejdspladsen"); the words are matched against the names,
addresses and kinds (`KIND_WORDS`) of the municipality's locations in `bot.fit`.
"""

from __future__ import annotations

from bot import parsing

_PREPOSITIONS = parsing.word_set(parsing.spaced("i paa pa ved hos in at near"))
_OWNERS = parsing.word_set(parsing.spaced("min mit mine din dit jeres vores my your our the"))
# "har i", "kan i": the pronoun I (you), not the preposition.
_PRONOUN_BEFORE = parsing.word_set(
    parsing.spaced("har kan vil skal er maa giver sender ringer tager gider hvis om at naar hvad")
)
_PLACE_NOUNS = ("sundhedscent", "sundhedshus", "arbejdsplads", "raadhus", "radhus", "klinik",
                "jobcent", "bibliotek", "sygehus", "hospital", "laegehus", "borgerservice",
                "medborgerhus", "kulturhus", "workplace")  # fmt: skip
_NOT_PLACES = parsing.word_set(
    parsing.spaced(
        "noget nogen ledige ledig tider tid tiden tidspunkt dag dagen dage uge ugen uger alt"
        " orden fred gang lige hvert fald stand mellem nu weekend ferie samme stedet sted"
        " forbindelse kontakt brug mode moedet live all any least time times mind touch"
        " general case fact order there here der her hjem hjemme home den det dem en et"
        " a an it that this one some me mig dig jer os you them us god godt good fint fine"
        " gerne also ogsaa bare kun just only naerheden byen kalenderen ny nye new anden"
        " andre another other flere more januar februar marts april maj juni juli august"
        " september oktober november december ikke not kommunen kommune municipality tak ja"
        " nej ok okay please thanks moment night loebet forhaand vej grund tide forvejen"
        # English "I" before a verb is the pronoun, never the Danish "i" (in): "I want to …".
        " want wanna need would will can could am have think do dont like love hope wish"
        " quit really was just"
    )
)
# English names for the kinds of places Danish locations are named after.
_ALIASES = tuple(
    (parsing.tokens(phrase), word)
    for phrase, word in (
        ("at work", "arbejdsplads"),
        ("at my work", "arbejdsplads"),
        ("paa arbejdet", "arbejdsplads"),
        ("health centre", "sundhedscenter"),
        ("health center", "sundhedscenter"),
        ("town hall", "raadhus"),
        ("city hall", "raadhus"),
        ("library", "bibliotek"),
    )
)
_MIN_PLACE = 3
# The words for each kind of location (booking.directory.LocationKind), so "på arbejdspladsen"
# finds a workplace whatever it is called ("Plejecenter Møllehaven"). Keyed as replies are.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    kind: tuple(parsing.key(word) for word in words.split())
    for kind, words in (
        ("workplace", "arbejdsplads arbejdet workplace"),
        ("union_office", "fagforening union"),
        ("housing_area", "boligomraade boligforening housing"),
        ("health_centre", "sundhedscenter sundhedshus"),
    )
}


def take(words: list[str], phrase: parsing.Tokens) -> bool:
    """Blank out every occurrence of `phrase` in `words`; say whether there was one."""
    if phrase[0] not in words:
        return False
    hit = False
    width = len(phrase)
    for i in range(len(words) - width + 1):
        if tuple(words[i : i + width]) == phrase:
            words[i : i + width] = [""] * width
            hit = True
    return hit


def find_places(words: list[str]) -> list[str]:
    """Find the words that name a place: after "i" or "på", or a kind of place anywhere.

    Words read are blanked out of `words`, as the other readers of a clause do.
    """
    found: list[str] = []
    for phrase, word in _ALIASES:
        if take(words, phrase):
            found.append(word)
    for i, word in enumerate(words):
        if any(word.startswith(noun) for noun in _PLACE_NOUNS):
            found.append(word)
            continue
        if word not in _PREPOSITIONS or (i > 0 and words[i - 1] in _PRONOUN_BEFORE):
            continue
        j = i + 1
        while j < len(words) and words[j] in _OWNERS:
            j += 1
        candidate = words[j] if j < len(words) else ""
        if (
            len(candidate) >= _MIN_PLACE
            and candidate.isalpha()
            and candidate not in _NOT_PLACES
            and candidate not in _PREPOSITIONS
            and not any(candidate.startswith(noun) for noun in _PLACE_NOUNS)
        ):
            found.append(candidate)
    return found
