"""Layer 1, the base: facts that know nothing of rules, the project index or the engine.

Findings and fixes, option declarations and settings values, layers and globs, project paths and module
names, the per-module import map, well-known canonical names, positions, the fast tree walk, the deep-stack
runner, safe file reads and the libcst edits fixes are made of. Every other layer may import from here;
nothing here imports from another layer.
"""
