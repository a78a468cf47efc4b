"""The benchmark on PostgreSQL: the tests' server with its cluster cached, the runs, the writer
beside the job, the run's main."""
