"""core.storage.KeptUrlsStaticFilesStorage: the manifest's URLs, worked out once a name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.storage import KeptUrlsStaticFilesStorage


@pytest.fixture
def storage(tmp_path: Path) -> KeptUrlsStaticFilesStorage:
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.0123456789ab.css").write_text("body {}")
    manifest = {"paths": {"css/site.css": "css/site.0123456789ab.css"}, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return KeptUrlsStaticFilesStorage(location=tmp_path, base_url="/static/")


def test_a_name_gets_its_hashed_url_every_time(storage: KeptUrlsStaticFilesStorage) -> None:
    assert storage.url("css/site.css") == "/static/css/site.0123456789ab.css"
    assert storage.url("css/site.css") == "/static/css/site.0123456789ab.css"
    assert storage.url("css/site.css", force=True) == "/static/css/site.0123456789ab.css"


def test_a_name_missing_from_the_manifest_fails_every_time(
    storage: KeptUrlsStaticFilesStorage,
) -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
