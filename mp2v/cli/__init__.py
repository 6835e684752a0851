"""The ``mp2v`` command line: thin commands that fill configs and call the library."""
