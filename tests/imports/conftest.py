import pytest

from tests import factories as f


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.GVI_IMPORT_DIR = tmp_path / "imports"
    return settings.GVI_IMPORT_DIR


@pytest.fixture
def area(programme):
    return f.AreaFactory(programme=programme, name="Björkhamn centrum")


@pytest.fixture
def criteria(programme):
    return [
        f.InclusionCriterionFactory(programme=programme, code="own_statement", name="Egen uppgift"),
        f.InclusionCriterionFactory(programme=programme, code="police_intelligence", name="Underrättelse"),
    ]
