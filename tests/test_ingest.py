"""Inputs to page images: folders, globs, lists, multi-page TIFF and PDF, and clear refusals."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from pipeline.errors import InputFileError, UsageError
from pipeline.ingest import expand_inputs, load_pages


def _page(path: Path, value: int = 200, size=(60, 40), **save):
    Image.fromarray(np.full(size[::-1], value, np.uint8)).save(path, **save)
    return path


def test_folders_are_searched_recursively_with_relative_names(tmp_path):
    (tmp_path / "box1" / "folder2").mkdir(parents=True)
    _page(tmp_path / "a.png")
    _page(tmp_path / "box1" / "folder2" / "b.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    found = expand_inputs([str(tmp_path)])
    assert [str(rel) for _, rel in found] == ["a.png", "box1/folder2/b.jpg"]


def test_a_folder_s_jpeg_and_jpeg_2000_scans_are_found_by_every_name_those_formats_go_by(tmp_path):
    """A folder's .jfif (what Windows saves a JPEG from a browser as), .jpe, .j2k and .jpx scans
    were passed over without a word: the run said every file was done."""
    names = ["a.jfif", "b.JPE", "c.j2k", "d.jpx", "e.jpf"]
    for name, fmt in zip(names, ["JPEG", "JPEG", "JPEG2000", "JPEG2000", "JPEG2000"]):
        _page(tmp_path / name, format=fmt)
    found = expand_inputs([str(tmp_path)])
    assert [str(rel) for _, rel in found] == names
    for path, _ in found:
        assert [page.image.shape for page in load_pages(path)] == [(40, 60)]


def test_a_linked_folder_is_searched_like_any_other_and_a_loop_of_links_once(tmp_path):
    """A folder of links to the boxes (on a share, on another disk): their scans were passed over
    without a word, the run saying every file was done."""
    boxes, top = tmp_path / "share" / "box2", tmp_path / "top"
    boxes.mkdir(parents=True)
    top.mkdir()
    _page(boxes / "b.png")
    _page(top / "a.png")
    (top / "box2").symlink_to(boxes, target_is_directory=True)
    (boxes / "back").symlink_to(top, target_is_directory=True)  # a loop
    found = expand_inputs([str(top)])
    assert [str(rel) for _, rel in found] == ["a.png", "box2/b.png"]


def test_a_folder_and_a_link_to_it_in_one_input_folder_are_searched_under_the_folder_s_own_name(tmp_path):
    """A folder of links by year beside the boxes they point into: the walk went down the links
    first where they sorted first ("all" before "boxes"), read the scans under the links' names and
    then passed over the boxes themselves as walked, so no output bore the box's own name."""
    box = tmp_path / "boxes" / "box1"
    box.mkdir(parents=True)
    _page(box / "scan.png")
    (tmp_path / "all").mkdir()
    (tmp_path / "all" / "1950").symlink_to(box, target_is_directory=True)
    (tmp_path / "all" / "1950-again").symlink_to(box, target_is_directory=True)
    assert [str(rel) for _, rel in expand_inputs([str(tmp_path)])] == ["boxes/box1/scan.png"]


def test_a_scan_and_a_link_to_it_in_one_folder_are_one_input_named_as_the_scan(tmp_path):
    """A folder holding a scan and a link to it: read once, but under the name sorted first, the
    link's ("a-copy.txt" for "letter.png"), with no word of the scan's own name."""
    scan = _page(tmp_path / "letter.png")
    (tmp_path / "a-copy.png").symlink_to(scan)
    assert [str(rel) for _, rel in expand_inputs([str(tmp_path)])] == ["letter.png"]


def test_globs_and_list_files(tmp_path):
    a, b = _page(tmp_path / "a.png"), _page(tmp_path / "b.png")
    listing = tmp_path / "list.txt"
    listing.write_text(f"# scans to redo\n{b}\n\n")
    assert [p for p, _ in expand_inputs([str(tmp_path / "*.png")])] == [a, b]
    assert [p for p, _ in expand_inputs([f"@{listing}"])] == [b]
    # The same file named twice is processed once.
    assert len(expand_inputs([str(a), str(a)])) == 1


def test_a_list_of_inputs_saved_by_notepad_is_read_as_it_says(tmp_path):
    """A list saved as "UTF-8 with BOM" or "Unicode" (UTF-16), with Windows line ends: its first
    entry (or every one) was "no such file or folder", naming a file that looked right."""
    a, b = _page(tmp_path / "a.png"), _page(tmp_path / "Müller.png")
    for encoding in ("utf-8-sig", "utf-16"):
        listing = tmp_path / f"list-{encoding}.txt"
        listing.write_bytes(f"{a}\r\n{b}\r\n".encode(encoding))
        assert [p for p, _ in expand_inputs([f"@{listing}"])] == [a, b], encoding


def test_missing_input_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such file or folder"):
        expand_inputs([str(tmp_path / "nope.png")])


def test_multipage_tiff_gives_every_page_with_its_dpi(tmp_path):
    path = tmp_path / "pages.tif"
    frames = [Image.fromarray(np.full((40, 60), v, np.uint8)) for v in (10, 120, 250)]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300))
    pages = list(load_pages(path))
    assert [p.index for p in pages] == [0, 1, 2]
    assert [int(p.image[0, 0]) for p in pages] == [10, 120, 250]
    assert pages[0].dpi == 300


def test_a_camera_s_orientation_is_passed_on_with_the_pixels_as_stored(tmp_path):
    """EXIF orientation 6 (turn 90 degrees clockwise to show), 3 and 8: the pixels stay as stored
    (as Tesseract reads the file), the turn goes with them for preprocessing to weigh."""
    from PIL import ExifTags

    for tag, turn in ((6, 90), (3, 180), (8, 270), (1, 0), (2, 0)):
        exif = Image.Exif()
        exif[ExifTags.Base.Orientation] = tag
        _page(tmp_path / "photo.jpg", exif=exif)
        [page] = load_pages(tmp_path / "photo.jpg")
        assert (page.image.shape, page.stated_turn) == ((40, 60), turn), tag
    [plain] = load_pages(_page(tmp_path / "plain.png"))
    assert plain.stated_turn == 0


def test_a_tiff_s_thumbnails_and_masks_are_no_pages(tmp_path):
    """A TIFF may hold, besides its pages, a reduced-resolution copy of one (a scanner's thumbnail)
    or a transparency mask, each marked so in its NewSubfileType: those were read as further pages
    (a thumbnail's garbled copy of the text, or an empty page, in every output)."""
    from PIL import TiffImagePlugin

    from pipeline.ingest import count_pages

    path = tmp_path / "scan.tif"
    # (page, thumbnail, page, mask): NewSubfileType 2 is "a page of a multi-page file"
    frames = [(np.full((40, 60), 10, np.uint8), 2), (np.full((10, 15), 90, np.uint8), 1),
              (np.full((40, 60), 250, np.uint8), 2), (np.full((40, 60), 0, np.uint8), 4)]
    with open(path, "w+b") as fh, TiffImagePlugin.AppendingTiffWriter(fh) as tiff:
        for pixels, kind in frames:
            Image.fromarray(pixels).save(tiff, format="TIFF", tiffinfo={254: kind})
            tiff.newFrame()
    pages = list(load_pages(path))
    assert [(p.index, int(p.image[0, 0])) for p in pages] == [(0, 10), (1, 250)]
    assert count_pages(path) == 2


def test_pdf_pages_render_at_the_resolution_of_the_scan_they_hold(tmp_path):
    """A scanned PDF page renders at its image's own resolution (no 3x upsampling of a 100-dpi
    scan), capped at 600 dpi; a colour scan stays colour; a page size no paper has (img2pdf's
    96-ppi default for a 300-dpi A4 scan: 66 cm across) passes no resolution on."""
    def pdf(name: str, image: Image.Image, resolution: float) -> Path:
        path = tmp_path / name
        image.save(path, resolution=resolution)
        return path

    grey = Image.fromarray(np.full((1100, 850), 200, np.uint8))
    [low] = load_pages(pdf("low.pdf", grey, 100))
    assert (low.dpi, abs(low.image.shape[1] - 850) <= 2, low.image.ndim) == (100, True, 2)
    slip = Image.fromarray(np.full((3000, 2520), 200, np.uint8))  # a 5.3 cm slip at 1200 dpi
    [fine] = load_pages(pdf("fine.pdf", slip, 1200))
    assert fine.dpi == 600 and abs(fine.image.shape[1] - 1260) <= 2
    colour = Image.fromarray(np.dstack([np.full((1100, 850), c, np.uint8) for c in (200, 120, 40)]))
    [kept] = load_pages(pdf("colour.pdf", colour, 300))
    assert kept.image.ndim == 3 and kept.dpi == 300
    assert tuple(int(v) for v in kept.image[500, 400]) == pytest.approx((40, 120, 200), abs=3)  # BGR
    a4 = Image.fromarray(np.full((3508, 2480), 255, np.uint8))
    [wrong] = load_pages(pdf("img2pdf.pdf", a4, 96))
    assert wrong.dpi is None and abs(wrong.image.shape[1] - 2480) <= 2  # the scan's own pixels
    assert "66 cm wide" in wrong.note and "img2pdf" in wrong.note and not kept.note
    # A page size that is wrong says nothing of the scan: its pixels are the page, whatever
    # resolution the PDF claims (1 dpi: 100x upsampled and refused as over 200 Mpx, with advice to
    # raise the limit; 10000 dpi: 16x reduced to a blank-read 55 px, with "ok").
    small = Image.fromarray(np.full((500, 400), 200, np.uint8))
    for claimed in (1, 10000):
        [page] = load_pages(pdf(f"claims-{claimed}.pdf", small, claimed))
        assert page.dpi is None and page.image.shape == (500, 400) and "cm wide" in page.note
    # The pixels of the scan, not one more (PDFium's single-precision 500.16 pt is 2084.0000153 px).
    scan = Image.fromarray(np.full((2930, 2084), 200, np.uint8))
    [same] = load_pages(pdf("exact.pdf", scan, 300))
    assert same.image.shape == (2930, 2084)


def test_a_pdf_page_whose_scan_is_placed_turned_renders_at_the_scan_s_resolution(tmp_path):
    """A portrait 300-dpi scan placed turned a quarter on a landscape page (a scanner's automatic
    rotation, written as the placement's matrix): its resolution was taken as its pixels across
    over the page's width, which its pixels down fill (2480 px over 11.7 in: 212 dpi), and the page
    was read and told at 212 dpi, its scan's 3508 px reduced to 2480."""
    import pikepdf

    path = tmp_path / "turned.pdf"
    scan = np.full((3508, 2480), 200, np.uint8)  # A4 portrait at 300 dpi
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, scan.tobytes())
    image.stream_dict.update(pikepdf.Dictionary(Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=2480,
                                                Height=3508, ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8))
    width_pt, height_pt = 3508 * 72 / 300, 2480 * 72 / 300
    # The image's unit square turned a quarter: its width runs up the page, its height across.
    content = f"q 0 {height_pt:.4f} {-width_pt:.4f} 0 {width_pt:.4f} 0 cm /Im0 Do Q".encode()
    pdf.pages.append(pikepdf.Page(pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, width_pt, height_pt], Contents=pdf.make_stream(content),
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)))))
    pdf.save(path)
    [page] = load_pages(path)
    assert page.dpi == 300 and page.image.shape == pytest.approx((2480, 3508), abs=2)


def test_pdf_pages_each_render(tmp_path):
    path = tmp_path / "doc.pdf"
    frames = [Image.fromarray(np.full((1100, 850), v, np.uint8)) for v in (0, 255)]
    frames[0].save(path, save_all=True, append_images=frames[1:], resolution=100)
    pages = list(load_pages(path))
    assert len(pages) == 2 and pages[0].dpi == 100
    assert pages[0].image.mean() < 30 and pages[1].image.mean() > 225


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "file is empty (0 bytes)"),
        (b"hello, I am text", "not an image file ocrfix can read"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(tmp_path, content, message):
    path = tmp_path / "scan.png"
    path.write_bytes(content)
    with pytest.raises(InputFileError) as info:
        list(load_pages(path))
    assert str(info.value).startswith(f"{path}: ") and message in str(info.value)


def test_a_link_to_a_scan_that_is_gone_says_so(tmp_path):
    """A link whose scan was moved or renamed: "cannot read the file (No such file or directory)"
    named a file the person's own listing shows."""
    link = tmp_path / "scan.png"
    link.symlink_to(tmp_path / "moved" / "scan.png")
    with pytest.raises(InputFileError, match=r"is a link to .*moved/scan\.png, which is not there"):
        list(load_pages(link))
    with pytest.raises(UsageError, match=r"is a link to .*moved/scan\.png, which is not there"):
        expand_inputs([str(link)])


def test_a_link_in_a_loop_of_links_says_so(tmp_path):
    """Two links to each other: "is a link to b.png, which is not there" named a file the person's
    own listing shows."""
    (tmp_path / "a.png").symlink_to("b.png")
    (tmp_path / "b.png").symlink_to("a.png")
    with pytest.raises(InputFileError, match=r"a\.png: is a link to b\.png in a loop of links, which leads to no file"):
        list(load_pages(tmp_path / "a.png"))
    with pytest.raises(UsageError, match=r"is a link to b\.png in a loop of links"):
        expand_inputs([str(tmp_path / "a.png")])


def test_a_link_to_a_scan_that_is_gone_matched_by_a_pattern_is_an_input_that_says_so(tmp_path):
    """'scans/*.png' matching a link whose scan was moved: passed over without a word, and the run
    said every file was done, while a folder of the same files named the link."""
    scan = _page(tmp_path / "a.png")
    (tmp_path / "b.png").symlink_to(tmp_path / "moved" / "b.png")
    found = expand_inputs([str(tmp_path / "*.png")])
    assert [path for path, _ in found] == [scan, tmp_path / "b.png"]
    assert [path for path, _ in found] == [path for path, _ in expand_inputs([str(tmp_path)])]


def test_truncated_png_is_refused(tmp_path):
    good = _page(tmp_path / "good.png", size=(400, 300))
    data = good.read_bytes()
    bad = tmp_path / "bad.png"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputFileError, match="damaged or truncated"):
        list(load_pages(bad))


def test_oversized_image_is_refused_before_decoding(tmp_path):
    path = _page(tmp_path / "big.png", size=(3000, 3000))
    with pytest.raises(InputFileError, match="over the limit of 1 Mpx"):
        list(load_pages(path, max_pixels=1_000_000))


def test_the_output_folder_is_never_an_input(tmp_path):
    """`cd scans; ocrfix process . -o out` run again must not read out/'s PDFs, nor another ocrfix
    output folder's; the input folder as the output folder is refused."""
    from pipeline.errors import UsageError
    from pipeline.ingest import expand_inputs

    scans = tmp_path / "scans"
    (scans / "out" / ".ocrfix").mkdir(parents=True)
    (scans / "old" / ".ocrfix").mkdir(parents=True)
    (scans / "old" / ".ocrfix" / "workspace.sqlite").write_bytes(b"")
    for name in ("a.png", "out/a.pdf", "old/b.pdf", "sub/c.tif"):
        (scans / name).parent.mkdir(parents=True, exist_ok=True)
        (scans / name).write_bytes(b"x")
    found = sorted(rel.as_posix() for _p, rel in expand_inputs([str(scans)], scans / "out"))
    assert found == ["a.png", "sub/c.tif"]
    # A file named on its own is refused with the reason (session 18: "no image or PDF files found").
    with pytest.raises(UsageError, match="inside the output folder"):
        expand_inputs([str(scans / "out" / "a.pdf")], scans / "out")
    assert expand_inputs([str(scans / "out" / "*.pdf")], scans / "out") == []  # a glob's matches there are left out
    with pytest.raises(UsageError, match="both the input folder and the output folder"):
        expand_inputs([str(scans)], scans)


def test_a_jpeg_with_further_images_for_its_camera_is_one_page(tmp_path):
    """A phone's or camera's JPEG carries further images in it (MPF: a preview, an HDR gain map):
    Pillow opens it as an MPO of several frames, and the preview was read as a second page of
    garbled text (and put in the PDF). The picture shown is the file's one page, read from the
    file itself as Tesseract reads it."""
    path = tmp_path / "photo.jpg"
    primary = Image.fromarray(np.full((40, 60, 3), 200, np.uint8))
    primary.save(path, format="MPO", save_all=True, append_images=[Image.new("RGB", (16, 10), (90, 90, 90))])
    [page] = load_pages(path)
    assert page.image.shape[:2] == (40, 60) and abs(int(page.image.mean()) - 200) <= 2
    assert page.file == path


def test_single_page_scans_decode_to_pillows_pixels_unrotated_and_truncated_jpegs_are_refused(tmp_path):
    # The direct (OpenCV) decode of a single page must give what Pillow gives, in BGR, and ignore
    # EXIF orientation as Tesseract does when it reads the file: both reads see the same pixels.
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, size=(96, 96, 3), dtype=np.uint8)  # square: a rotation keeps the shape
    rgb[20:40, 10:90] = (200, 30, 30)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° to view"
    files = {
        "colour.jpg": dict(quality=85, exif=exif.tobytes(), dpi=(240, 240)),
        "colour.png": {},
    }
    for name, save in files.items():
        Image.fromarray(rgb, "RGB").save(tmp_path / name, **save)
        [page] = load_pages(tmp_path / name)
        with Image.open(tmp_path / name) as img:
            expected = np.asarray(img.convert("RGB"))[:, :, ::-1]
        assert page.image.shape == (96, 96, 3) and np.array_equal(page.image, expected)
    assert next(iter(load_pages(tmp_path / "colour.jpg"))).dpi == 240
    grey = _page(tmp_path / "grey.jpg", size=(120, 90), quality=90)
    [page] = load_pages(grey)
    with Image.open(grey) as img:
        assert page.image.ndim == 2 and np.array_equal(page.image, np.asarray(img))
    data = (tmp_path / "colour.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(InputFileError, match="damaged or truncated"):
        list(load_pages(tmp_path / "cut.jpg"))


def test_16_bit_grey_keeps_its_ink_and_paper(tmp_path):
    """A 16-bit scan is its high byte (as Tesseract sees it), not clipped to a white page."""
    values = np.full((40, 60), 60000, np.uint16)
    values[10:30, 20:40] = 8000  # ink
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    assert Image.open(path).mode.startswith("I")
    page = next(load_pages(path)).image
    assert page.dtype == np.uint8
    assert page[0, 0] == 60000 >> 8 and page[20, 30] == 8000 >> 8


def test_a_transparent_background_is_white_paper(tmp_path):
    rgba = np.zeros((40, 60, 4), np.uint8)  # transparent black everywhere
    rgba[10:30, 20:40] = (0, 0, 0, 255)  # opaque black ink
    path = tmp_path / "clear.png"
    Image.fromarray(rgba, "RGBA").save(path)
    page = next(load_pages(path)).image
    grey = page if page.ndim == 2 else page.mean(axis=2)
    assert grey[0, 0] == 255 and grey[20, 30] == 0


def test_a_transparent_colour_is_white_paper_too(tmp_path):
    """A grey or RGB PNG with one colour marked transparent (black here): that colour is paper."""
    for mode, ink in (("L", 40), ("RGB", (40, 40, 40))):
        values = np.zeros((40, 60) if mode == "L" else (40, 60, 3), np.uint8)
        values[10:30, 20:40] = ink
        path = tmp_path / f"key-{mode}.png"
        Image.fromarray(values, mode).save(path, transparency=0 if mode == "L" else (0, 0, 0))
        page = next(load_pages(path)).image
        grey = page if page.ndim == 2 else page.mean(axis=2)
        assert grey[0, 0] == 255 and grey[20, 30] == 40, mode


def test_a_multi_page_tiff_cut_short_is_damaged_not_a_page_made_up(tmp_path):
    """Pillow hands out a frame it could not finish as black, or as the previous frame's pixels,
    with a warning ocrfix used to silence: page 2 of this file came out as page 1 again, exit 0
    (session 18's sweep of inputs)."""
    page = np.full((600, 500), 255, np.uint8)
    cv2.putText(page, "Embassy", (40, 300), cv2.FONT_HERSHEY_DUPLEX, 2.0, 0, 3)
    whole = tmp_path / "whole.tif"
    Image.fromarray(page).save(whole, save_all=True, append_images=[Image.new("L", (500, 600), 255)],
                               compression="tiff_lzw", dpi=(300, 300))
    assert len(list(load_pages(whole))) == 2
    cut = tmp_path / "cut.tif"
    cut.write_bytes(whole.read_bytes()[:-200])
    with pytest.raises(InputFileError, match="damaged or truncated"):
        list(load_pages(cut))


def test_a_file_states_its_pixels_aspect_within_what_scanners_and_faxes_make(tmp_path):
    """A fax's 204 x 98 dpi is pixels 2.08 times as tall as wide; 300 x 50 is no scanner's, and the
    page was stretched six times in its PDF (session 18's review)."""
    page = np.full((40, 60), 255, np.uint8)
    for dpi, aspect in (((204, 98), 204 / 98), ((300, 300), 1.0), ((300, 50), 1.0), ((200, 400), 0.5)):
        Image.fromarray(page).save(tmp_path / "p.tif", dpi=dpi)
        [loaded] = load_pages(tmp_path / "p.tif")
        assert loaded.pixel_aspect == pytest.approx(aspect, abs=0.01) and loaded.dpi == dpi[0], dpi
    # A fax stored turned a quarter (98 x 204: a viewer's "rotate and save") is a fax too: its 98
    # across was taken for a meaningless resolution, and its page drawn at 300 dpi and square.
    Image.fromarray(page).save(tmp_path / "p.tif", dpi=(98, 204))
    [turned] = load_pages(tmp_path / "p.tif")
    assert (turned.dpi, round(turned.pixel_aspect, 2)) == (98, 0.48)
    for unknown in ((72, 72), (96, 96), (1, 1)):
        Image.fromarray(page).save(tmp_path / "p.tif", dpi=unknown)
        [loaded] = load_pages(tmp_path / "p.tif")
        assert (loaded.dpi, loaded.pixel_aspect) == (None, 1.0), unknown
