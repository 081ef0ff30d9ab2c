"""Benchmarks of d2lutils' loaders and trainers against the reference book's package (d2l==0.17.6)."""
