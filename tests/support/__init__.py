"""What the tests share, imported as ``support.<module>`` (tests/ is on sys.path: pytest's
prepend import mode puts the folder of the rootdir conftest there). conftest.py holds the
fixtures only."""
