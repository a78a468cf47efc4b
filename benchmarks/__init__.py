"""The speed, memory and responsiveness benchmark of issues 5 and 12 (not part of the test run).

``python -m benchmarks [--quick] [--articles N] [--dataset server|demo]`` builds and caches a
database shaped like a web server's under benchmarks/cache/, then measures on fresh copies: the
one-statement floor (foreign keys on and off), our engine on a qasync loop (with a GUI-thread
stall probe) with and without its undo record, our engine beside other programs, the whole
``mark-read`` process, first and later opens, job creation and status latency, peak memory
growth, the same job through the command line and through the window, and how cost grows at
N/10 (``--only idle`` adds the idle cost of the window and of ``work``; ``--trace`` the steps
and statements of every chunk). It prints tables and writes benchmarks/results.json. Exit
status: 0 every target holds, 1 a target fails, 2 a run left a wrong database.
"""
