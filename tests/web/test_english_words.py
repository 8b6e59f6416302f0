"""The checker of the French journeys: which English words of the interface it finds in a
page's text, and which it must not (tests/web/english.py)."""

from tests.web.english import english_words


def test_french_words_that_look_english_are_not_english():
    text = "Clôture des mois · Disponible · Postes · Engagé · Brouillons · Réserver · Total"
    assert english_words(text) == []


def test_interface_words_are_found_once_whatever_their_case():
    text = "Budget line OP-SUP · Posted\nDRAFT · draft · Save · Reverse the entry"
    found = ["Budget line", "Posted", "DRAFT", "Save", "Reverse", "the", "entry"]
    assert english_words(text) == found


def test_the_data_a_test_wrote_is_left_out():
    text = "Compte 6064 Supplies · Fournisseur Clean-room wafers · Close"
    assert english_words(text, data=("Supplies", "Clean-room wafers")) == ["Close"]


def test_codes_and_words_inside_other_words_do_not_count():
    assert english_words("OP-SUP EQ-LAB the-code Closed-loop Entryway Rowing") == []
