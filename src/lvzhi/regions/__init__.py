"""Administrative divisions (GB/T 2260) and non-standard units, with their tree."""
