"""The floor: a bare Django project on the product's database, for ``bench/pages.py``.

No session, auth or message middleware, no apps, persistent connections; one view per page the
harness measures, each rendering the same rows (or, for a page that is not a list, the same
HTML) from one raw SQL query and a plain template. What the product costs above it is what the
product adds. Never imported by the product.
"""
