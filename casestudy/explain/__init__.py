"""Looking inside the networks: what each layer of REDNet, MWCNN and PRIDNet does to a real image.

One module per network, each used by that network's notebook:
:mod:`casestudy.explain.rednet` (``05_rednet.ipynb``),
:mod:`casestudy.explain.mwcnn` (``06_mwcnn.ipynb``) and
:mod:`casestudy.explain.pridnet` (``07_pridnet.ipynb``). They read intermediate
activations and weights out of the models of :mod:`casestudy.models`, so the
notebooks show real numbers, not drawings of them.
"""
