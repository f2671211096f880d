"""Find this object: local features at ingest, region queries, same-scene links, galleries.

``stage`` runs after PDQ matching on new pictures (resumable, new first); ``search``
answers a box drawn in a picture; ``links`` turns verified shared features into
``scene`` matches and gallery hits into ``object_match`` clues; ``gallery`` imports
labelled reference pictures; ``embeddings`` is the optional ONNX provider.
"""
