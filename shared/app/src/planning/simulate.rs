//! A backtest with the portal's state: [`plan_with`](super::plan_with) day
//! by day over a range, each day seeing the ledger as it stood then, the
//! holds as they stood then ([`Holds::on`](crate::portal::Holds::on)) and
//! everything planned on earlier days as sent.

use arflow_domain::sent::SentRecord;
use arflow_domain::strategy::Strategy;
use arflow_domain::strategy::simulate::{Simulation, simulate as plain, simulate_days};
use chrono::NaiveDate;

use super::{DayInputs, plan_with};

/// Plans every day from `from` to `to` inclusive. `inputs` are read as of
/// `to` (point-in-time reads replay each payment on its date); their sent
/// log is taken as what was sent before `from`.
pub fn simulate(
    inputs: DayInputs,
    strategy: &Strategy,
    from: NaiveDate,
    to: NaiveDate,
) -> Simulation {
    let mut sent: Vec<SentRecord> = inputs
        .sent
        .into_iter()
        .filter(|r| r.sent_on < from)
        .collect();
    if inputs.holds == Default::default() {
        // Nothing of the portal's: the planner's own loop gives the same
        // days, planning with one compiled strategy.
        let customers = inputs
            .customers
            .into_iter()
            .map(|c| (c.customer_id.clone(), c))
            .collect();
        return plain(from, to, strategy, &inputs.invoices, &customers, &sent);
    }
    simulate_days(from, to, |day| {
        let inputs_of_day = DayInputs {
            as_of: day,
            invoices: inputs.invoices.clone(),
            customers: inputs.customers.clone(),
            sent: sent.clone(),
            holds: inputs.holds.on(day),
            strategy_source: None,
        };
        let actions = plan_with(inputs_of_day, strategy.clone(), None).actions;
        sent.extend(actions.iter().map(SentRecord::from));
        actions
    })
}
