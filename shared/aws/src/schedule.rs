//! A tenant's daily schedule in EventBridge Scheduler: `arflow-{tenant}`,
//! cron at the tenant's send hour in its own time zone, targeting the daily
//! function with the tenant's id and the scheduler's execution id.

use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::operation::get_schedule::GetScheduleError;
use aws_sdk_scheduler::types::{
    DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, Target,
};

use crate::tenant::TenantConfig;

/// A Scheduler call that failed.
#[derive(Debug, thiserror::Error)]
#[error("schedule {name}: {detail}")]
pub struct ScheduleError {
    pub name: String,
    pub detail: String,
}

/// Where schedules go and what they invoke.
#[derive(Clone, Debug)]
pub struct Schedules {
    client: Client,
    /// The schedule group ("default" unless the stack made one).
    pub group: String,
    /// The daily function's ARN.
    pub target_arn: String,
    /// The role Scheduler assumes to invoke it.
    pub role_arn: String,
    /// The SQS queue a run goes to when Scheduler cannot invoke the daily
    /// function after its retries (the stack's failed-invocations queue).
    pub dead_letter_arn: Option<String>,
}

/// How long, and how often, Scheduler retries a daily run it could not
/// invoke (throttled, function unavailable) before the dead-letter queue.
const RETRY_ATTEMPTS: i32 = 10;
const RETRY_MAX_AGE_SECONDS: i32 = 6 * 3600;

/// A tenant's schedule as Scheduler has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScheduleInfo {
    pub expression: String,
    pub time_zone: String,
    pub dead_letter_arn: Option<String>,
}

impl std::fmt::Display for ScheduleInfo {
    /// "cron(0 9 * * ? *) Europe/Berlin", plus ", undelivered runs to ARN".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.expression, self.time_zone)?;
        if let Some(arn) = &self.dead_letter_arn {
            write!(f, ", undelivered runs to {arn}")?;
        }
        Ok(())
    }
}

/// The schedule's name for a tenant.
pub fn schedule_name(tenant: &str) -> String {
    format!("arflow-{tenant}")
}

/// The input the daily function receives; Scheduler fills the placeholders.
pub fn schedule_input(tenant: &str) -> String {
    serde_json::json!({
        "tenant": tenant,
        "execution_id": "<aws.scheduler.execution-id>",
        "scheduled_time": "<aws.scheduler.scheduled-time>",
    })
    .to_string()
}

impl Schedules {
    pub fn new(client: Client, group: String, target_arn: String, role_arn: String) -> Schedules {
        Schedules {
            client,
            group,
            target_arn,
            role_arn,
            dead_letter_arn: None,
        }
    }

    /// Runs Scheduler cannot deliver go to the queue `arn`.
    pub fn with_dead_letter(mut self, arn: Option<String>) -> Schedules {
        self.dead_letter_arn = arn;
        self
    }

    /// Creates the tenant's schedule, or updates it to match the config;
    /// true when it was created.
    pub async fn upsert(&self, config: &TenantConfig) -> Result<bool, ScheduleError> {
        let name = schedule_name(&config.tenant);
        let fail = |detail: String| ScheduleError {
            name: name.clone(),
            detail,
        };
        let retries = RetryPolicy::builder()
            .maximum_retry_attempts(RETRY_ATTEMPTS)
            .maximum_event_age_in_seconds(RETRY_MAX_AGE_SECONDS)
            .build();
        let target = Target::builder()
            .arn(&self.target_arn)
            .role_arn(&self.role_arn)
            .input(schedule_input(&config.tenant))
            .retry_policy(retries)
            .set_dead_letter_config(
                self.dead_letter_arn
                    .as_ref()
                    .map(|arn| DeadLetterConfig::builder().arn(arn).build()),
            )
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let exists = match self
            .client
            .get_schedule()
            .name(&name)
            .group_name(&self.group)
            .send()
            .await
        {
            Ok(_) => true,
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(GetScheduleError::ResourceNotFoundException(_))
                ) =>
            {
                false
            }
            Err(e) => return Err(fail(display(e))),
        };
        let description = format!("arflow daily run of tenant {}", config.tenant);
        if exists {
            self.client
                .update_schedule()
                .name(&name)
                .group_name(&self.group)
                .description(description)
                .schedule_expression(config.schedule_expression())
                .schedule_expression_timezone(&config.time_zone)
                .flexible_time_window(window)
                .target(target)
                .send()
                .await
                .map_err(|e| fail(display(e)))?;
        } else {
            self.client
                .create_schedule()
                .name(&name)
                .group_name(&self.group)
                .description(description)
                .schedule_expression(config.schedule_expression())
                .schedule_expression_timezone(&config.time_zone)
                .flexible_time_window(window)
                .target(target)
                .send()
                .await
                .map_err(|e| fail(display(e)))?;
        }
        Ok(!exists)
    }

    /// The tenant's schedule, if it exists.
    pub async fn describe(&self, tenant: &str) -> Result<Option<ScheduleInfo>, ScheduleError> {
        let name = schedule_name(tenant);
        match self
            .client
            .get_schedule()
            .name(&name)
            .group_name(&self.group)
            .send()
            .await
        {
            Ok(s) => Ok(Some(ScheduleInfo {
                expression: s.schedule_expression().unwrap_or_default().to_string(),
                time_zone: s
                    .schedule_expression_timezone()
                    .unwrap_or_default()
                    .to_string(),
                dead_letter_arn: s
                    .target()
                    .and_then(|t| t.dead_letter_config())
                    .and_then(|d| d.arn())
                    .map(str::to_string),
            })),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(GetScheduleError::ResourceNotFoundException(_))
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(ScheduleError {
                name,
                detail: display(e),
            }),
        }
    }
}

fn display(e: impl std::error::Error + 'static) -> String {
    aws_smithy_types::error::display::DisplayErrorContext(e).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_input_names_the_tenant_and_the_execution() {
        let v: serde_json::Value = serde_json::from_str(&schedule_input("acme")).unwrap();
        assert_eq!(v["tenant"], "acme");
        assert_eq!(v["execution_id"], "<aws.scheduler.execution-id>");
        assert_eq!(schedule_name("acme"), "arflow-acme");
    }
}
