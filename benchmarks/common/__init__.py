"""What every measurement shares: the datasets, the statistics, the engine's and the faces' runs
(either backend), a fresh process per run, the paths."""
