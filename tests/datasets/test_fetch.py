"""fetch_facial_expressions against a loopback HTTP server: no real network."""

import io
import threading
import time
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from emotion_sklearn.datasets import fetch_facial_expressions, get_data_home


def _zip_of(folder, prefix="facial_expressions-master"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"{prefix}/{path.relative_to(folder)}")
    return buffer.getvalue()


@pytest.fixture
def server():
    """Serve ``server.files[path] = bytes`` on 127.0.0.1 and count the requests."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            httpd.requests.append(self.path)
            if self.path == "/trickle":
                self._trickle()
                return
            if self.path == "/trickle-headers":
                self._trickle_headers()
                return
            body = httpd.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _trickle(self):
            # 10 bytes every 50 ms of a promised megabyte, for 10 s at most.
            self.send_response(200)
            self.send_header("Content-Length", str(10**6))
            self.end_headers()
            for _ in range(200):
                try:
                    self.wfile.write(b"x" * 10)
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.05)

        def _trickle_headers(self):
            # The status line, then one header byte every 100 ms for 10 s.
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for _ in range(100):
                try:
                    self.wfile.write(b"X")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.files, httpd.requests = {}, []
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def archive(tmp_path_factory, make_dataset):
    source = tmp_path_factory.mktemp("source")
    make_dataset(
        [
            ("Ann_0001.jpg", "anger"),
            ("Ann_0002.jpg", "Happiness"),
            ("Bob_0001.jpg", "neutral"),
            ("Cy_0001.jpg", "sad"),
        ],
        root=source,
    )
    return _zip_of(source)


def test_downloads_once_then_loads_from_disk(tmp_path, server, archive):
    server.files["/repo.zip"] = archive
    home = tmp_path / "home"
    faces = fetch_facial_expressions(home, url=server.url + "/repo.zip")
    assert sorted(faces.target) == ["anger", "happiness", "neutral", "sadness"]
    assert (home / "facial_expressions" / "data" / "legend.csv").is_file()
    again = fetch_facial_expressions(home, url=server.url + "/repo.zip")
    assert list(again.data) == list(faces.data)
    assert server.requests == ["/repo.zip"]
    # Nothing is left behind but the dataset itself.
    assert [p.name for p in home.iterdir()] == ["facial_expressions"]


def test_data_home_from_environment(tmp_path, monkeypatch, server, archive):
    server.files["/repo.zip"] = archive
    monkeypatch.setenv("EMOTION_SKLEARN_DATA", str(tmp_path / "env_home"))
    assert get_data_home() == tmp_path / "env_home"
    fetch_facial_expressions(url=server.url + "/repo.zip")
    assert (tmp_path / "env_home" / "facial_expressions" / "images").is_dir()


def test_checksum_is_verified(tmp_path, server, archive):
    server.files["/repo.zip"] = archive
    with pytest.raises(OSError, match="Checksum mismatch"):
        fetch_facial_expressions(
            tmp_path, url=server.url + "/repo.zip", sha256="0" * 64
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "Could not download"),
        (b"not a zip", "valid zip"),
        ("truncated", "valid zip|corrupt"),
    ],
)
def test_failed_download_leaves_no_dataset(tmp_path, server, archive, body, message):
    if body == "truncated":
        body = archive[: len(archive) // 2]
    if body is not None:
        server.files["/repo.zip"] = body
    with pytest.raises(OSError, match=message):
        fetch_facial_expressions(tmp_path, url=server.url + "/repo.zip")
    assert list(tmp_path.iterdir()) == []
    # A later good download still works.
    server.files["/repo.zip"] = archive
    assert (
        len(fetch_facial_expressions(tmp_path, url=server.url + "/repo.zip").data) == 4
    )


def test_archive_without_the_layout(tmp_path, server):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("repo/README.md", "hello")
    server.files["/repo.zip"] = buffer.getvalue()
    with pytest.raises(OSError, match=r"no data/legend\.csv"):
        fetch_facial_expressions(tmp_path, url=server.url + "/repo.zip")
    assert list(tmp_path.iterdir()) == []


def test_no_download_when_asked_not_to(tmp_path, server):
    with pytest.raises(OSError, match="downloading is off"):
        fetch_facial_expressions(tmp_path, download_if_missing=False, url=server.url)
    assert server.requests == []


def test_incomplete_existing_folder_is_not_overwritten(tmp_path, server, archive):
    server.files["/repo.zip"] = archive
    mine = tmp_path / "facial_expressions"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(OSError, match="not a complete dataset"):
        fetch_facial_expressions(tmp_path, url=server.url + "/repo.zip")
    assert (mine / "notes.txt").read_text() == "keep me"
    assert server.requests == []


def test_an_archive_that_unpacks_too_large_is_refused(tmp_path, server, make_dataset):
    source = make_dataset([("Ann_0001.jpg", "anger")], root=tmp_path / "source")
    (source / "padding.bin").write_bytes(bytes(5 * 2**20))  # compresses to ~5 kB
    server.files["/bomb.zip"] = _zip_of(source)
    home = tmp_path / "home"
    with pytest.raises(OSError, match=r"unpacks to .* above max_bytes"):
        fetch_facial_expressions(home, url=server.url + "/bomb.zip", max_bytes=2**20)
    assert list(home.iterdir()) == []


def test_an_oversized_archive_is_refused_before_anything_is_inflated(
    tmp_path, server, make_dataset, monkeypatch
):
    # Checking each member's CRC inflates it: time grows with the declared size.
    source = make_dataset([("Ann_0001.jpg", "anger")], root=tmp_path / "source")
    (source / "padding.bin").write_bytes(bytes(5 * 2**20))
    server.files["/bomb.zip"] = _zip_of(source)

    def inflating(self):
        raise AssertionError("testzip ran before the size check")

    monkeypatch.setattr(zipfile.ZipFile, "testzip", inflating)
    with pytest.raises(OSError, match=r"unpacks to .* above max_bytes"):
        fetch_facial_expressions(
            tmp_path / "home", url=server.url + "/bomb.zip", max_bytes=2**20
        )


def test_a_trickling_server_is_given_up_on_at_the_deadline(tmp_path, server):
    start = time.monotonic()
    with pytest.raises(OSError, match=r"longer than deadline=0\.5"):
        fetch_facial_expressions(
            tmp_path / "home", url=server.url + "/trickle", deadline=0.5, timeout=5
        )
    assert time.monotonic() - start < 5
    assert list((tmp_path / "home").iterdir()) == []


def test_a_server_that_trickles_its_headers_is_cut_off_at_the_deadline(
    tmp_path, server
):
    start = time.monotonic()
    with pytest.raises(OSError, match=r"longer than deadline=0\.5"):
        fetch_facial_expressions(
            tmp_path / "home",
            url=server.url + "/trickle-headers",
            deadline=0.5,
            timeout=3,
        )
    assert time.monotonic() - start < 3
    assert list((tmp_path / "home").iterdir()) == []


def test_a_download_that_does_not_load_is_not_kept(tmp_path, server, make_dataset):
    source = make_dataset([("Ann_0001.jpg", "anger")], root=tmp_path / "source")
    (source / "images" / "Ann_0001.jpg").unlink()  # named in the legend, missing
    (source / "images" / "other.jpg").write_bytes(b"")
    server.files["/broken.zip"] = _zip_of(source)
    home = tmp_path / "home"
    with pytest.raises(OSError, match="does not hold a loadable dataset"):
        fetch_facial_expressions(home, url=server.url + "/broken.zip")
    assert list(home.iterdir()) == []


def test_a_killed_downloads_scratch_folder_is_removed(tmp_path, server, archive):
    home = tmp_path / "home"
    stale = home / ".facial_expressions.abc123.tmp"
    (stale / "unpacked").mkdir(parents=True)
    server.files["/repo.zip"] = archive
    fetch_facial_expressions(home, url=server.url + "/repo.zip")
    assert [p.name for p in home.iterdir()] == ["facial_expressions"]
