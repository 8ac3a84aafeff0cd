"""GTIN validation (GS1 mod-10) on real barcodes."""

import pytest

from inventory.gtin import gs1_check_digit, gtin_problem, is_valid_gtin, make_gtin, to_gtin14

REAL = {
    "EAN-13": "4006381333931",
    "UPC-A": "036000291452",
    "EAN-8": "96385074",
    "GTIN-14": "10012345678902",
}


@pytest.mark.parametrize("gtin", REAL.values(), ids=REAL.keys())
def test_real_barcodes_are_valid(gtin):
    assert is_valid_gtin(gtin)
    assert gtin_problem(gtin) is None


@pytest.mark.parametrize(
    "gtin",
    [
        "4006381333932",  # EAN-13 with the wrong check digit
        "036000291453",  # UPC-A with the wrong check digit
        "96385075",  # EAN-8 with the wrong check digit
        "10012345678903",  # GTIN-14 with the wrong check digit
        "40063813339",  # 11 digits
        "400638133393100",  # 15 digits
        "1234567",  # 7 digits
        "",
        "400638133393A",
        " 4006381333931",
        "4006381333931 ",
        "-400638133393",
        "٤٠٠٦٣٨١٣٣٣٩٣١",  # Arabic-Indic digits: digits, but not ASCII
    ],
)
def test_invalid_gtins(gtin):
    assert not is_valid_gtin(gtin)
    assert gtin_problem(gtin)


def test_problem_sentences_say_what_is_wrong():
    assert gtin_problem("4006381333932") == "Wrong check digit: a GTIN starting 400638133393 ends in 1."
    assert gtin_problem("40063813339") == "A GTIN has 8, 12, 13 or 14 digits, not 11."
    assert gtin_problem("40063813339X") == "A GTIN has digits only."


def test_check_digit_and_make_gtin():
    assert gs1_check_digit("400638133393") == 1
    assert gs1_check_digit("03600029145") == 2
    assert gs1_check_digit("9638507") == 4
    assert gs1_check_digit("1001234567890") == 2
    assert make_gtin("400638133393") == "4006381333931"
    assert is_valid_gtin(make_gtin("800123400001"))


def test_every_form_of_a_gtin_has_one_14_digit_form():
    # A UPC-A read by a scanner as an EAN-13 (leading zero) or a GTIN-14 is still the same article.
    assert to_gtin14("036000291452") == "00036000291452"
    assert to_gtin14("0036000291452") == "00036000291452"
    assert to_gtin14("00036000291452") == "00036000291452"
    assert to_gtin14("96385074") == "00000096385074"
    assert to_gtin14("10012345678902") == "10012345678902"
    assert all(is_valid_gtin(to_gtin14(g)) for g in REAL.values())
