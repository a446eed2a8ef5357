"""Stand-in for the one einops call upstream ProPainter makes (a pure axis permutation).

Debian packages no einops; the parity harness needs nothing beyond reordering named axes, so this
supports exactly that: 'a b c -> c a b' style patterns with single-letter or word axis names, no
grouping, no new or merged axes. Anything else raises, so a silent mis-translation is impossible.
"""


def rearrange(tensor, pattern, **sizes):
    source, target = (side.split() for side in pattern.split('->'))
    if sizes or sorted(source) != sorted(target) or any('(' in a or ')' in a for a in source + target):
        raise NotImplementedError(f'parity shim: only axis permutations are supported, got {pattern!r}')
    if len(source) != tensor.dim():
        raise ValueError(f'parity shim: pattern {pattern!r} names {len(source)} axes, tensor has {tensor.dim()}')
    return tensor.permute(*[source.index(axis) for axis in target])
