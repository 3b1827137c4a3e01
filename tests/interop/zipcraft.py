#!/usr/bin/env python3
"""Makes the zip files the ASiC tests need, with Python's zipfile (an implementation independent
of libzip): edited copies of a container and hostile archives.

  zipcraft.py edit SRC DST [--drop NAME]... [--put NAME=FILE]... [--rename OLD=NEW]...
  zipcraft.py hostile KIND DST
"""
import struct
import sys
import zipfile


def copy_entries(src, dst, drop=(), put=None, rename=None):
    put = dict(put or {})
    rename = dict(rename or {})
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename in drop:
                continue
            data = zin.read(info.filename)
            name = rename.get(info.filename, info.filename)
            if name in put:
                with open(put.pop(name), "rb") as f:
                    data = f.read()
            method = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            zout.writestr(zipfile.ZipInfo(name, date_time=info.date_time), data, compress_type=method)
        for name, path in put.items():
            with open(path, "rb") as f:
                zout.writestr(name, f.read(), compress_type=zipfile.ZIP_DEFLATED)


def asic(dst, entries, mimetype=True):
    with zipfile.ZipFile(dst, "w") as z:
        if mimetype:
            z.writestr("mimetype", "application/vnd.etsi.asic-e+zip", compress_type=zipfile.ZIP_STORED)
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)


def hostile(kind, dst):
    doc = b"<Invoice>1</Invoice>\n"
    if kind == "traversal":
        asic(dst, [("../../escaped.txt", b"owned")])
    elif kind == "absolute":
        asic(dst, [("/tmp/xsign-absolute.txt", b"owned")])
    elif kind == "backslash":
        asic(dst, [("..\\..\\escaped.txt", b"owned")])
    elif kind == "duplicate":
        import warnings
        warnings.simplefilter("ignore")
        asic(dst, [("invoice.xml", doc), ("invoice.xml", b"<Invoice>2</Invoice>\n")])
    elif kind == "case-duplicate":
        asic(dst, [("invoice.xml", doc), ("INVOICE.xml", b"<Invoice>2</Invoice>\n")])
    elif kind == "bomb":
        # 300 MiB of zeros deflate to about 300 KiB: a ratio of about 1000 to 1.
        with zipfile.ZipFile(dst, "w") as z:
            z.writestr("mimetype", "application/vnd.etsi.asic-e+zip", compress_type=zipfile.ZIP_STORED)
            info = zipfile.ZipInfo("zeros.bin")
            info.compress_type = zipfile.ZIP_DEFLATED
            with z.open(info, "w", force_zip64=True) as f:
                chunk = bytes(1 << 20)
                for _ in range(300):
                    f.write(chunk)
    elif kind == "lying-size":
        # 2 MiB of text whose headers claim 1000 bytes: the reader must stop at what was declared.
        asic(dst, [("big.txt", b"A" * (2 << 20))])
        patch_sizes(dst, "big.txt", 1000)
    elif kind == "mimetype-not-first":
        with zipfile.ZipFile(dst, "w") as z:
            z.writestr("invoice.xml", doc)
            z.writestr("mimetype", "application/vnd.etsi.asic-e+zip", compress_type=zipfile.ZIP_STORED)
    elif kind == "wrong-mimetype":
        with zipfile.ZipFile(dst, "w") as z:
            z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
            z.writestr("invoice.xml", doc)
    elif kind == "many-entries":
        asic(dst, [("f%05d.txt" % i, b"x") for i in range(10001)])
    elif kind == "control-char":
        # Non-ASCII too, so that the name is flagged UTF-8 and read as written (an unflagged
        # name is CP437, where ESC reads as an arrow).
        asic(dst, [("счёт\x1b[2J.xml", doc)])
    else:
        raise SystemExit("unknown kind " + kind)


def patch_sizes(path, name, size):
    """Rewrites the uncompressed size of `name` in its local header and central directory entry."""
    data = bytearray(open(path, "rb").read())
    encoded = name.encode()
    for sig, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = data.find(sig)
        while at >= 0:
            n = struct.unpack_from("<H", data, at + name_len_at)[0]
            if bytes(data[at + name_at:at + name_at + n]) == encoded:
                struct.pack_into("<I", data, at + size_at, size)
            at = data.find(sig, at + 4)
    open(path, "wb").write(data)


def main(argv):
    if argv[1] == "edit":
        src, dst, rest = argv[2], argv[3], argv[4:]
        drop, put, rename = [], [], []
        for flag, value in zip(rest[::2], rest[1::2]):
            {"--drop": drop, "--put": put, "--rename": rename}[flag].append(value)
        copy_entries(src, dst, drop, [p.split("=", 1) for p in put], [r.split("=", 1) for r in rename])
    elif argv[1] == "hostile":
        hostile(argv[2], argv[3])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
