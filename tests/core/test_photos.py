"""Thumbnails of stored photos (core.photos): made with the photo, smaller, WebP, free of EXIF, removed with it,
and made on demand for a photo stored before thumbnails existed."""

import io

import pytest
from PIL import Image

from core.photos import THUMBNAIL_WIDTHS, photo_files, store_photo, thumbnail, thumbnail_name, thumbnail_set
from core.storage import LocalStorage
from tests.helpers import jpeg_with_gps


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path)


def test_a_stored_photo_gets_webp_thumbnails_of_each_width_without_exif(app, storage):
    stored = store_photo(jpeg_with_gps((1600, 1200)), storage)
    for width in THUMBNAIL_WIDTHS:
        with Image.open(io.BytesIO(storage.read(thumbnail_name(stored["filename"], width)))) as small:
            assert small.format == "WEBP" and small.size == (width, width * 3 // 4)
            assert not small.getexif(), "EXIF (GPS, camera) must not reach the thumbnails"
            assert "exif" not in small.info


def test_a_small_photo_is_never_enlarged_and_offers_one_size(app, storage):
    stored = store_photo(jpeg_with_gps((200, 100)), storage)
    with Image.open(io.BytesIO(storage.read(thumbnail_name(stored["filename"], 640)))) as small:
        assert small.size == (200, 100)

    class Record:
        filename, width, height = stored["filename"], 200, 100

    assert thumbnail_set(Record) == [(thumbnail_name(stored["filename"], 320), 200, 100)]


def test_a_transparent_png_keeps_its_transparency(app, storage):
    image = Image.new("RGBA", (800, 400), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    stored = store_photo(out.getvalue(), storage)
    with Image.open(io.BytesIO(storage.read(thumbnail_name(stored["filename"], 320)))) as small:
        assert small.mode == "RGBA" and small.size == (320, 160) and small.getpixel((5, 5))[3] == 0


def test_a_photo_stored_before_thumbnails_gets_them_when_first_asked_for(app, storage):
    stored = store_photo(jpeg_with_gps((1000, 500)), storage)
    for name in photo_files(stored["filename"])[1:]:
        storage.delete(name)  # as a photo from before thumbnails were made
    assert thumbnail(storage, stored["filename"], 320) == thumbnail_name(stored["filename"], 320)
    with Image.open(io.BytesIO(storage.read(thumbnail_name(stored["filename"], 320)))) as small:
        assert small.size == (320, 160) and not small.getexif()


def test_photo_files_names_the_photo_and_all_its_thumbnails(app, storage):
    stored = store_photo(jpeg_with_gps((700, 700)), storage)
    assert sorted(storage.names()) == sorted(photo_files(stored["filename"]))
