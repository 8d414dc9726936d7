"""Evidence files (证明材料) attached to an evaluation's indicators, stored by content hash."""
