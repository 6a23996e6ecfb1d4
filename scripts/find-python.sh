#!/usr/bin/env bash
# Print the path of a Python >= 3.12 (Django 6 needs it): PATH first, then pyenv's versions.
for candidate in python3.13 python3.12 python3 "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if "$path" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
echo "no Python >= 3.12 found; install one (e.g. pyenv install 3.13)" >&2
exit 1
