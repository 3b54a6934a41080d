"""arsearch on Xapian: one local database or many shard servers searched as one index.

A prototype (issue 13, phase 1), beside the Whoosh engine and not yet behind the backend
boundary: :mod:`.index` writes documents with arsearch's own analysis, :mod:`.compile`
turns a parsed query into one ``xapian.Query`` that carries arsearch's ranking policy,
:mod:`.search` runs it over a local folder or remote shards, :mod:`.cluster` reads the
cluster file, routes ids to shards and starts ``xapian-tcpsrv``. ``docs/xapian.md``
gives the measured facts behind the design.

Importing this package does not import ``xapian``: the modules that need the bindings
import them, and :func:`.core.require_xapian` says how to install them when absent.
"""
