"""Passphrase encryption of backup files, built from the `cryptography` library's vetted primitives.

Key: scrypt(passphrase, random 16-byte salt, n=2**15, r=8, p=1) → 256 bits (RFC 7914 parameters for
interactive use; about 32 MB of memory per attempt, which is what makes guessing expensive).
Cipher: AES-256-GCM over 1 MiB chunks in the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015,
as in Google Tink's streaming AEAD): each chunk's 12-byte nonce is a random 7-byte prefix, the chunk's
4-byte counter and a 1-byte "last chunk" flag, and the header is authenticated with every chunk. Reordered,
dropped, truncated or altered chunks and a wrong passphrase all fail authentication; large backups are
never held in memory whole.

File layout: MAGIC, salt (16), log2 n (1), r (1), p (1), nonce prefix (7), then the chunks, each the
ciphertext of up to CHUNK bytes plus its 16-byte tag.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"LVZHI-ENCRYPTED-BACKUP/1\n"
CHUNK = 1024 * 1024
TAG = 16
SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P = 15, 8, 1


class DecryptionFailed(ValueError):
    """Wrong passphrase, or the file was altered or cut short."""


def is_encrypted(path: Path) -> bool:
    """True when the file starts like a file written by encrypt_file."""
    try:
        with path.open("rb") as fh:
            return fh.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def encrypt_file(source: Path, target: Path, passphrase: str) -> None:
    """Encrypt `source` into `target` (written to a temporary name, renamed when complete)."""
    salt, prefix = os.urandom(16), os.urandom(7)
    header = MAGIC + salt + bytes([SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P]) + prefix
    aead = AESGCM(_key(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P))
    partial = target.with_name(target.name + ".part")
    with source.open("rb") as src, partial.open("wb") as out:
        out.write(header)
        counter = 0
        piece = src.read(CHUNK)
        while True:
            following = src.read(CHUNK)
            last = not following
            out.write(aead.encrypt(_nonce(prefix, counter, last), piece, header))
            if last:
                break
            piece, counter = following, counter + 1
    os.replace(partial, target)


def decrypt_file(source: Path, target: Path, passphrase: str) -> None:
    """Decrypt a file written by encrypt_file into `target`; DecryptionFailed if anything does not authenticate."""
    with source.open("rb") as src, target.open("wb") as out:
        header = src.read(len(MAGIC) + 16 + 3 + 7)
        if len(header) != len(MAGIC) + 26 or not header.startswith(MAGIC):
            raise DecryptionFailed("不是加密的履职备份文件")
        salt = header[len(MAGIC) : len(MAGIC) + 16]
        log2_n, r, p = header[len(MAGIC) + 16 : len(MAGIC) + 19]
        if not (10 <= log2_n <= 22 and 1 <= r <= 32 and 1 <= p <= 16):
            raise DecryptionFailed("加密参数无效（文件已损坏或被修改）")
        prefix = header[-7:]
        aead = AESGCM(_key(passphrase, salt, log2_n, r, p))
        counter = 0
        piece = src.read(CHUNK + TAG)
        while True:
            following = src.read(CHUNK + TAG)
            last = not following
            try:
                out.write(aead.decrypt(_nonce(prefix, counter, last), piece, header))
            except InvalidTag:
                raise DecryptionFailed("口令错误，或备份文件已损坏、被修改或不完整") from None
            if last:
                break
            piece, counter = following, counter + 1
