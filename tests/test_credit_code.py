"""The unified social credit code (GB 32100-2015) is checked character by character."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from mines.models import Company
from mines.validators import credit_code_check_character, validate_credit_code
from tests.conftest import make_credit_code


def test_it_computes_the_check_character_of_known_codes():
    # 91350100M000100Y43 is the worked example in GB 32100-2015's annex.
    assert credit_code_check_character("91350100M000100Y4") == "3"


def test_it_accepts_a_code_with_the_right_check_character():
    validate_credit_code(make_credit_code())


def test_it_accepts_lowercase_input_by_normalising_it():
    validate_credit_code(make_credit_code().lower())


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("91140602MA0K123", "18 characters"),
        ("91140602MA0K1234567", "18 characters"),
        ("9114060201234567IO", "I, O, Z, S and V"),
        ("91ABCDEF0123456789", "administrative division"),
    ],
)
def test_it_refuses_a_malformed_code_with_a_reason(code, fragment):
    with _english():
        with pytest.raises(ValidationError) as error:
            validate_credit_code(code)
        assert fragment in str(error.value.messages[0])


def test_it_refuses_a_code_whose_check_character_is_wrong():
    good = make_credit_code()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with _english():
        with pytest.raises(ValidationError) as error:
            validate_credit_code(wrong)
        assert "check character" in error.value.messages[0]


def test_it_explains_the_error_in_chinese_by_default():
    with pytest.raises(ValidationError) as error:
        validate_credit_code("123")
    assert "统一社会信用代码" in error.value.messages[0]


def test_the_database_refuses_a_malformed_code_even_without_the_form(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Company.objects.create(name="坏代码公司", credit_code="not-a-code")
    assert not Company.objects.filter(name="坏代码公司").exists()


def _english():
    from django.utils import translation

    return translation.override("en")
