"""Report reader: turns a self-evaluation report into structure, figures, checks and findings.

Pure engine (no Django).  ``lvzhi.reader.pipeline.analyse(text)`` returns an
:class:`~lvzhi.reader.model.Analysis` whose offsets index into ``text`` as given.  The stages:

* ``text``        offset-preserving normalisation (full-width digits/punctuation → ASCII) and
                  bounded sentence/paragraph look-ups, which keep every rule linear in the input;
* ``boilerplate`` web-page chrome (metadata tables, breadcrumbs, publication lines, footers);
* ``sections``    numbered headings 一、 (一) 1. (1) ① incl. inline ones, and numbering findings;
* ``numbers``     the lexer: Arabic figures with 万/亿, Chinese numerals, 百分之…, measure words;
* ``claims``      which numbers are figures, and their qualifier, metric, year and kind;
* ``checks``      share / completion / growth / gap / sum / duplicate recomputations.

The conventions (units, qualifiers, kinds, year propagation, tolerance) are those of
``../shared/seeds/gold/README.md``; ``scripts/eval_reader.py`` scores the reader against that gold.
"""

from lvzhi.reader import compiled as _compiled

# Whether the mypyc-compiled modules run (see lvzhi.reader.compiled); decided before any stage is imported.
COMPILED: bool = _compiled.choose(__name__)
