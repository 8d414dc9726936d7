"""Web-page chrome left in a report: metadata tables, breadcrumbs, publication lines, footers."""

from __future__ import annotations

import re
from typing import Final

from lvzhi.reader.model import Span

# A whole line is chrome when one of these finds something in it (on the normalised text, so ： is `:`).
# Each pattern describes a kind of site furniture, not the wording of one site. They are kept in three
# groups for speed: the patterns anchored at the line start are tried once, at the start; the others
# are spelled so that every alternative starts with a CJK literal, which the engine scans for; the few
# ASCII words (the only case-insensitive part) go last.
_LINE_START_PATTERNS: Final = [
    r"^\[ ?[\u4e00-\u9fff]{2,6} ?\] ?\|",  # [ 索引号 ] | … metadata tables
    r"^<[%!?/A-Za-z]",  # ASP/PHP directives and stray tags
    r"^.{0,40}(?:>>|>\s*首页|首页\s*>)",  # breadcrumbs
    r"^首页(?: |$|>)",
    r"^(?:发布|发文|成文|更新)(?:日期|时间) ?:",
    r"^(?:来源|信息来源|作者|编辑|责任编辑|浏览次数|点击次数|访问量) ?:",
    r"^政府信息公开$",
    r"^.{0,24}(?:门户网站|政府网站|官方网站|政府网|官网|网站首页)$",  # the site title
    r"^(?:点击查看更多内容|查看更多|相关链接|相关文章|上一篇|下一篇|返回顶部|打印本页|关闭窗口)",
    r"^(?:主办单位|承办单位|协办单位|主管单位|指导单位|技术支持|网站标识码|版权所有|Copyright|©)",
    r"^字体 ?:",  # • 字体:[ ] (the font-size control of a publication line)
    r"^(?:分享到|扫一扫|微信扫一扫|打印|收藏)[:]?$",
    r"^【(?:打印|关闭|收藏|返回|打印本页|关闭窗口)】",  # 【打印】 【关闭】
    # Fields of a government information-disclosure table, bare or as a flattened `| 索 引 号 |` row.
    r"^\|?\s*(?:索 ?引 ?号|主题分类|组配分类|发布机构|发文机关|成文日期|公开方式|公开时限|主 ?题 ?词)(?:\s|:|\|)",
    r"^(?:时间|日期) ?: ?\d{4}-\d{1,2}-\d{1,2}",  # 时间 : 2020-09-03 10:05:59 来源 : 本网
    r"^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}",  # 2024-12-26 09:17 省教育厅, 2019-04-25 10:29 (点击:)
    r"^\[[A-Z][A-Z_]{2,}\]$",  # [SITESERVER_PAGE]: a CMS template token
    # Image debris: a picture's file name or caption placeholder left in the text.
    r"^(?:微信图片|IMG|图片)_?\d{6,}",
    r"^\(?(?:资料)?图片(?:仅供参考|来源[^)]{0,20})\)?$",
]
_LINE_WORD_PATTERNS: Final = [
    r"当前位置[ :]|所在位置[ :]|您的位置[ :]",  # breadcrumbs
    r"点击次数 ?:|浏览次数 ?:|阅读次数 ?:|访问次数 ?:",
    r"【 ?字体 ?:|\[ ?字体 ?:",
    r"网站无障碍|适老版|无障碍浏览|长者模式",
    r"举报(?:中心|电话|受理|专区)|网警\d*$|公安备案|网安备",
    r"如若转载|转载请注明|本文(?:来源|链接|地址) ?:",
    r"来源 ?:.{0,30}作者 ?:",  # a news portal's by-line: 来源:中国教育报 作者:…
    r"围观\d+次|阅读量 ?:?\d+",
]
_LINE_START_RE: Final = re.compile("|".join(f"(?:{p})" for p in _LINE_START_PATTERNS), re.IGNORECASE)
_LINE_WORDS_RE: Final = re.compile("|".join(_LINE_WORD_PATTERNS))
# 支持IPv6, ICP备案号 …; an ISO date with a time inside a short line (`教育装备采购网 2023-01-18 09:34`):
# reports write dates as 2023年1月18日, the publishing systems as 2023-01-18 09:34.
_LINE_ASCII_RE: Final = re.compile(r"IPv6|ICP备|ICP证|\d{4}-\d{2}-\d{2} \d{2}:\d{2}", re.IGNORECASE)
_BULLET: Final = "-•·* \t"  # list bullets in front of the fields of a publication line


def is_chrome_line(stripped: str) -> bool:
    """Whether a stripped line is site furniture."""
    if stripped[:1] in _BULLET:
        stripped = stripped.lstrip(_BULLET)  # `- 信息来源:市教育局`, `• 日期:…`, `· 慧育头条 来源:…`
    return bool(
        _LINE_START_RE.match(stripped) or _LINE_WORDS_RE.search(stripped) or _LINE_ASCII_RE.search(stripped)
    )


# Chrome that sits inside a body paragraph (pagination links pasted into the text).
# Every alternative starts with a literal, so the engine scans for those characters instead of trying
# a match at every position (an optional `\[?` in front would defeat that).
_INLINE_RE: Final = re.compile(
    r"点击浏览下一页|点击(?:进入|查看)下一页|上一页\s*下一页|\[下一页\]?(?=\s)|下一页\]?(?=\s)"
)
# Contact lines are a site footer's only next to other chrome; in a notice (公示) they are its text.
_FOOTER_CONTACT: Final = re.compile(r"(?:联系电话|联系方式|电子邮箱|通信地址|邮编) ?:")
_MAX_CHROME_LINE: Final = 90  # longer lines are report prose even if they mention 来源 or 举报


def find_boilerplate(norm: str) -> list[Span]:
    """Spans of chrome; consecutive chrome lines (blank lines between allowed) form one span."""
    spans: list[Span] = []
    pos = 0
    for line in norm.split("\n"):
        stripped = line.strip()
        footer = bool(spans) and not norm[spans[-1].end : pos].strip() and _FOOTER_CONTACT.match(stripped)
        if stripped and len(stripped) <= _MAX_CHROME_LINE and (footer or is_chrome_line(stripped)):
            lead = len(line) - len(line.lstrip())
            start, end = pos + lead, pos + lead + len(stripped)
            if spans and not norm[spans[-1].end : start].strip():
                spans[-1] = Span(spans[-1].start, end)
            else:
                spans.append(Span(start, end))
        pos += len(line) + 1
    covered = list(spans)
    for m in _INLINE_RE.finditer(norm) if "下一页" in norm else ():  # every alternative holds 下一页
        if not any(s.start <= m.start() < s.end for s in covered):
            spans.append(Span(m.start(), m.end()))
    spans.sort(key=lambda s: s.start)
    return spans
