"""The speed, memory and responsiveness benchmark of issue 5 (not part of the test run).

``python -m benchmarks [--quick] [--articles N]`` builds and caches a server-shaped database under
benchmarks/cache/, then measures on fresh copies: the one-statement floor, the server spec's
algorithm, our engine on a qasync loop (with a GUI-thread stall probe), our engine while another
process writes, job creation and status latency, peak memory growth, and the same job through
the command line and through the window (``--only idle`` adds the idle cost of the window and of
``work``). It prints a table and writes benchmarks/results.json. Exit status: 0 every target
holds, 1 a target fails, 2 a run left a wrong database.
"""
