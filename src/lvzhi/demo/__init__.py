"""The demo: a database built from the five seed reports plus a synthetic province, served by `lvzhi demo`."""
