"""Problems found in review and inspection (问题清单) and their rectification (整改), carried over year to year."""
