"""What a search will spend (printed before it starts), how likely a run of failed trials
aborts it, and what the recipe's defaults scored."""

from __future__ import annotations

from deeper.recipes.tuning import oracles as tuning_oracles


def search_plan(oracle, tuner, budget, epochs):
    """One line stating what the search will spend, printed before it starts."""
    starts = len(oracle.starts())
    first = ("random first" if not starts else "the recipe's defaults first" if starts == 1
             else f"the recipe's defaults and {starts - 1} variant(s) of them first "
                  f"({', '.join(_change(c) for c in oracle.starting_points if c)})")
    if tuner != "hyperband":
        return (f"{tuner} search: at most {budget} trials of {epochs} epochs "
                f"(at most {budget * epochs} epochs in all), {first}")
    trials, total = tuning_oracles.hyperband_epochs(oracle, budget)
    one_trials, one_total = tuning_oracles.hyperband_epochs(oracle)
    return (f"hyperband search: at most {trials} trials training {total} epochs in all "
            f"({total / epochs:.1f} full {epochs}-epoch trainings; one Hyperband iteration "
            f"is {one_trials} trials, {one_total} epochs), {first}")


def _change(changes):
    return ", ".join(f"{k}={v}" for k, v in changes.items())


def default_score(oracle):
    """The best score of the trials holding the space's defaults (with Hyperband, the first
    trial and its continuations), `None` if none finished."""
    defaults = tuning_oracles.default_values(oracle.hyperparameters)
    scores = [t.score for t in oracle.trials.values() if t.score is not None and defaults == {
        k: v for k, v in t.hyperparameters.values.items() if not k.startswith("tuner/")}]
    return max(scores, default=None)


def abort_probability(failure_rate, trials, limit):
    """Chance that `trials` independent trials, each failing with `failure_rate`,
    contain `limit` consecutive failures (a Markov chain over the current run length)."""
    runs = [1.0] + [0.0] * (limit - 1)  # probability of the current run length
    aborted = 0.0
    for _ in range(trials):
        new = [0.0] * limit
        new[0] = sum(runs) * (1 - failure_rate)
        for length in range(limit):
            if length + 1 == limit:
                aborted += runs[length] * failure_rate
            else:
                new[length + 1] += runs[length] * failure_rate
        runs = new
    return aborted
