"""secsim.ema: a scenario as an EMA Workbench function model. Its outcome values are those of
a run of the scenario with the given parameters fixed, to the last bit."""

import random

import pytest

import secsim
import secsim.ema

OUTCOMES = ["attacks_total", "fatalities_total", "western_return"]


@pytest.fixture(scope="module")
def function(realignment):
    return secsim.ema.model(realignment, outcomes=OUTCOMES, runs=200, seed=5)


def fixed_variant(base, values):
    """The scenario with each parameter's distribution replaced by its single value."""
    sets = ",\n".join(
        f'        r#"uncertain["{name}"].dist"#: Discrete(values: [{value!r}], weights: [1.0])'
        for name, value in values.items()
    )
    return (
        f'Scenario(\n    extends: "{base}",\n    name: "fixed",\n    set: {{\n{sets},\n    }},\n)\n'
    )


def test_outcomes_equal_a_run_with_those_parameter_values(function, realignment):
    values = {"is_sahel_rate": 30.0, "western_return_probability": 0.6}
    outcomes = function(**values)
    assert list(outcomes) == OUTCOMES
    fixed = secsim.run(fixed_variant(realignment, values), runs=200, seed=5)
    assert (fixed.parameters["is_sahel_rate"] == 30.0).all()
    for name in OUTCOMES:
        assert outcomes[name] == fixed.summary["outcomes"][name]["mean"], name
    # Not the scenario's own distribution: fixing the values changed the results.
    free = secsim.run(realignment, runs=200, seed=5)
    assert outcomes["attacks_total"] != free.summary["outcomes"]["attacks_total"]["mean"]


def test_the_model_knows_the_scenario(function, realignment):
    assert function.parameters[-3:] == [
        "is_sahel_rate",
        "western_return_probability",
        "western_intel_volume",
    ]
    # The five shared coefficients drawn jointly, first.
    assert len(function.parameters) == 8
    assert (function.seed, function.runs, function.outcomes) == (5, 200, OUTCOMES)
    assert secsim.ema.model(realignment, outcomes=["attacks_total"], runs=5).seed == 2025


def test_quantiles_and_fields(realignment):
    function = secsim.ema.model(
        realignment,
        outcomes=["attacks_total"],
        runs=40,
        seed=3,
        statistic="p95",
        fields={"us_volume": 'flows["us_intel_return"].volume'},
    )
    point = function.run_point(is_sahel_rate=25.0, us_volume=0.5)
    assert list(point.experiments.columns[1:3]) == ["is_sahel_rate", "us_volume"]
    assert function(is_sahel_rate=25.0, us_volume=0.5) == {
        "attacks_total": point.experiments["attacks_total_p95"][0]
    }


def test_unknown_outcome_names_the_known_ones(realignment):
    with pytest.raises(secsim.ScenarioError, match="unknown outcome 'attacks'.*attacks_total"):
        secsim.ema.model(realignment, outcomes=["attacks"], runs=5)
    with pytest.raises(secsim.ScenarioError, match="statistic"):
        secsim.ema.model(realignment, outcomes=["attacks_total"], statistic="median")


def test_unknown_or_bad_parameters(function):
    with pytest.raises(secsim.ScenarioError, match="unknown parameter 'sahel_rate'.*is_sahel_rate"):
        function(sahel_rate=30.0)
    with pytest.raises(secsim.ScenarioError, match="finite"):
        function(is_sahel_rate=float("nan"))
    with pytest.raises(TypeError, match="number"):
        function(is_sahel_rate="high")
    with pytest.raises(secsim.ScenarioError, match="at least one parameter"):
        function()


def test_a_value_out_of_range_gets_the_cli_message(function):
    with pytest.raises(secsim.ScenarioError, match="western_return_probability"):
        function(western_return_probability=1.5)


class StandInModel:
    """What ema_workbench.Model(name, function=...) does with its function (ema_workbench
    2.5.3, em_framework/model.py, BaseModel.run_experiment): call it with the experiment's
    values as keyword arguments and take each outcome by name. Used so that the adapter's
    interface is tested where EMA Workbench does not install; CI also runs the real one
    (examples/python/ema_experiment.py)."""

    def __init__(self, name, function):
        if not name.isalnum():
            raise ValueError("Name of model should only contain alpha numerical characters")
        if not callable(function):
            raise ValueError("Function should be callable")
        self.name, self.function = name, function

    def run_experiment(self, experiment, output_variables):
        output = self.function(**experiment)
        return {variable: output[variable] for variable in output_variables}


def test_an_ema_style_experiment(function):
    model = StandInModel("niger", function)
    sampler = random.Random(1)
    experiments = [
        {
            "is_sahel_rate": sampler.uniform(18.6, 40.6),
            "western_return_probability": sampler.uniform(0.0, 0.9),
        }
        for _ in range(4)
    ]
    results = [model.run_experiment(e, ["attacks_total", "western_return"]) for e in experiments]
    assert all(0 <= result["western_return"] <= 1 for result in results)
    assert len({result["attacks_total"] for result in results}) == 4
    # Every call uses the same seed: the same experiment gives the same outcomes.
    again = function(**experiments[2])
    assert {name: again[name] for name in results[2]} == results[2]


def test_a_resolved_scenario_text_is_the_same_model(realignment):
    """A library name reaches the model as `validate --resolved NAME`'s text: the resolved text
    of a file must give the file's numbers."""
    _, text, _ = secsim.execute("validate", "--resolved", str(realignment))
    from_text = secsim.ema.model(text, outcomes=["attacks_total"], runs=20)
    from_file = secsim.ema.model(realignment, outcomes=["attacks_total"], runs=20)
    assert from_text.parameters == from_file.parameters
    assert from_text(is_sahel_rate=22.0) == from_file(is_sahel_rate=22.0)
