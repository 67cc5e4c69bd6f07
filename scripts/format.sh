#!/usr/bin/env bash
# Formats the C++ sources with clang-format (.clang-format at the root).
# Headers are left alone: clang-format 14 would move Poco's "///" comments,
# which follow the declaration they document with one more tab, to the
# indentation of the next declaration.
#
# Usage: bash scripts/format.sh [--check]
#   --check  list the files that are not formatted and exit 1 if any
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files '*.cpp')
if [ "${1:-}" = "--check" ]; then
	unformatted=()
	for file in "${files[@]}"; do
		if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
			unformatted+=("$file")
		fi
	done
	if [ ${#unformatted[@]} -gt 0 ]; then
		printf 'not formatted: %s\n' "${unformatted[@]}"
		exit 1
	fi
	exit 0
fi
clang-format -i "${files[@]}"
