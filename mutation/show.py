"""The diff of each mutant named on the command line, for people. Runs in a target's work directory
(mutation/run.py starts it there, for the survivors it lists in var/mutation/TARGET/survivors.txt)."""

import sys


def main(names):
    from mutmut.mutation.diff_apply import find_mutant, get_diff_for_mutant

    for name in names:
        print(f"# {name}")
        print(get_diff_for_mutant(name, path=find_mutant(name).path), end="\n\n")


if __name__ == "__main__":
    main(sys.argv[1:])
