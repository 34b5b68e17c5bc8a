"""`python -m nosworkbook` behaves exactly like the `nosworkbook` command."""

from nosworkbook.cli import main

if __name__ == "__main__":
    main(prog_name="nosworkbook")
