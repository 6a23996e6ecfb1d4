"""GB 32100-2015 check character (pure module)."""

from saferisk.core import uscc


def test_known_valid_codes() -> None:
    # Published codes of well-known companies.
    assert uscc.is_valid("91350100M000100Y43")
    assert uscc.is_valid("91110000600037341L")


def test_check_character_errors_name_the_expected_one() -> None:
    assert uscc.validate("91350100M000100Y44") == "统一社会信用代码校验位错误（应为3）"
    assert uscc.validate("9135010") == "统一社会信用代码应为18位，实际为7位"
    assert "非法字符" in (uscc.validate("91350100M000100YI3") or "")


def test_normalise_full_width_and_spaces() -> None:
    assert uscc.normalise(" ９１３５０１００ｍ０００１００ｙ４３\u3000") == "91350100M000100Y43"


def test_make_builds_valid_codes() -> None:
    code = uscc.make("320115", "000000001")
    assert len(code) == 18
    assert uscc.is_valid(code)
