import pytest

from datagen.render import fonts


@pytest.fixture
def no_system_fonts(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "FONT_DIRS", (str(tmp_path / "none"),))
    monkeypatch.delenv("DATAGEN_FONT_DIR", raising=False)
    fonts._all_font_files.cache_clear()
    fonts.find_fonts.cache_clear()
    yield
    fonts._all_font_files.cache_clear()
    fonts.find_fonts.cache_clear()


def test_missing_fonts_raise_with_an_install_hint(no_system_fonts):
    with pytest.raises(fonts.FontsNotFoundError, match="apt-get install fonts-dejavu-core"):
        fonts.find_fonts("mono")


def test_a_font_folder_can_stand_in_for_system_fonts(no_system_fonts, monkeypatch, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "Letra.ttf").write_bytes(b"")
    monkeypatch.setenv("DATAGEN_FONT_DIR", str(tmp_path / "mine"))
    assert [path.name for path in fonts.find_fonts("sans")] == ["Letra.ttf"]


def test_every_role_is_found_on_this_machine():
    assert all(fonts.find_fonts(role) for role in fonts.FAMILIES)
