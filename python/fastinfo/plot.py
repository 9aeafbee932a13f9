"""Pictures of information tables: a clustered heatmap and a ranking bar chart.

matplotlib is an optional dependency (``pip install 'fastinfo[cli]'``). It is imported when a
function here is called, never by ``import fastinfo``. The functions draw on ``ax`` when given
(else on a new figure) and return the matplotlib Axes, so they work in notebooks and scripts;
the command line's ``--plot`` and ``--html`` use them.

There is no twin in :mod:`fastinfo.reference`: nothing is computed here that could be checked
against a slower route, except :func:`cluster_order`, which the tests check directly.
"""

from ._plot import cluster_order, heatmap, ranking

__all__ = [
    "cluster_order",
    "heatmap",
    "ranking",
]
