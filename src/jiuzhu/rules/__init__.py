"""The rules core: policy parameters, the rule catalogue, the engine and its explanations.

Framework-free by design (ARCHITECTURE.md, "The rules engine"): this package imports no Django
and nothing else of the project, which an import contract in the tests enforces.
"""

from jiuzhu.rules.errors import InputError, ParameterError, RulesError

__all__ = ["InputError", "ParameterError", "RulesError"]
