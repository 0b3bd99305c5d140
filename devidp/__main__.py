"""``python -m devidp <command>``: manage.py of the development identity provider."""

from __future__ import annotations

import os
import sys

from django.core.management import execute_from_command_line

if __name__ == "__main__":
    os.environ["DJANGO_SETTINGS_MODULE"] = "devidp.settings"
    execute_from_command_line(sys.argv)
