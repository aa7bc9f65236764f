"""After the award (专业运行): execution records, progress reports, evaluations, tranches, disclosure."""
