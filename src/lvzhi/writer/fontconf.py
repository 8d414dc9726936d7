"""Fonts: the fontconfig alias file and the files behind the families documents name.

Official documents name 仿宋_GB2312, 黑体, 楷体_GB2312, 方正小标宋简体 …; few servers have them. The
alias file `fonts/fonts.conf` maps each to an installed Noto CJK face (fonts-noto-cjk, installed by
scripts/setup.sh), so WeasyPrint and matplotlib find a font for every character, never downloading one.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from importlib import resources
from pathlib import Path

SERIF = "Noto Serif CJK SC"
SANS = "Noto Sans CJK SC"


def alias_file() -> Path:
    """The project's fontconfig file (includes the system configuration, then adds the aliases)."""
    return Path(str(resources.files("lvzhi.writer") / "fonts" / "fonts.conf"))


def use_alias_file() -> None:
    """Point fontconfig at the alias file; must run before pango/fontconfig first initialise."""
    os.environ.setdefault("FONTCONFIG_FILE", str(alias_file()))


def font_file(family: str) -> Path:
    """The file fontconfig picks for a family (resolved at run time with fc-match)."""
    return font_face(family)[0]


@functools.cache
def font_face(family: str) -> tuple[Path, int]:
    """The file and face index (within a .ttc collection) fontconfig picks for a family."""
    exe = shutil.which("fc-match")
    if exe is None:
        raise RuntimeError("未找到 fc-match，请安装 fontconfig (fontconfig is not installed)")
    env = dict(os.environ, FONTCONFIG_FILE=str(alias_file()))
    out = subprocess.run(
        [exe, "-f", "%{file}\n%{index}", family], capture_output=True, text=True, check=True, env=env
    )
    file, _, index = out.stdout.partition("\n")
    path = Path(file.strip())
    if not path.exists() or "CJK" not in path.name:
        raise RuntimeError(
            f"字体 {family} 未映射到 Noto CJK（得到 {path}）；请运行 scripts/setup.sh 安装 fonts-noto-cjk "
            f"(font {family} does not resolve to Noto CJK)"
        )
    return path, int(index.strip() or 0)
