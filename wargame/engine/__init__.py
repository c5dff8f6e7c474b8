"""The rules of the game, in pure Python: no Django here.

Load a scenario, adjudicate turns, classify end states, and simulate whole exercises.
"""

from .adjudicate import (
    Adjudication,
    Delta,
    EventRoll,
    FiredRule,
    Roll,
    adjudicate,
    turn_rng,
)
from .bots import MIXED, STRATEGIES, choose_move
from .endstates import Classification, classify
from .moves import ActionChoice, InvalidMove, Move, action_cost, move_cost, validate_move
from .odds import ActionOdds, ModifierOdds, package_odds
from .scenario import Scenario, ScenarioError, load_scenario, load_scenario_text
from .simulate import Distribution, SimulationResult, simulate
from .state import WorldState, initial_state

__all__ = [
    "MIXED",
    "STRATEGIES",
    "ActionChoice",
    "ActionOdds",
    "Adjudication",
    "Classification",
    "Delta",
    "Distribution",
    "EventRoll",
    "FiredRule",
    "InvalidMove",
    "ModifierOdds",
    "Move",
    "Roll",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "WorldState",
    "action_cost",
    "adjudicate",
    "choose_move",
    "classify",
    "initial_state",
    "load_scenario",
    "load_scenario_text",
    "move_cost",
    "package_odds",
    "simulate",
    "turn_rng",
    "validate_move",
]
