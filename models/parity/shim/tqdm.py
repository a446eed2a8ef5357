"""Stand-in for tqdm (not packaged with Debian's PyTorch): upstream only wraps loops in it for a
progress bar, so the iterable is returned unchanged."""


def tqdm(iterable=None, *args, **kwargs):
    return iterable
