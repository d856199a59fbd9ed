//! A tenant's daily schedule in EventBridge Scheduler: `arflow-{tenant}`,
//! cron at the tenant's send hour in its own time zone, targeting the daily
//! function with the tenant's id and the scheduler's execution id.

use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::operation::get_schedule::GetScheduleError;
use aws_sdk_scheduler::types::{FlexibleTimeWindow, FlexibleTimeWindowMode, Target};

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
        }
    }

    /// Creates the tenant's schedule, or updates it to match the config;
    /// true when it was created.
    pub async fn upsert(&self, config: &TenantConfig) -> Result<bool, ScheduleError> {
        let name = schedule_name(&config.tenant);
        let fail = |detail: String| ScheduleError {
            name: name.clone(),
            detail,
        };
        let target = Target::builder()
            .arn(&self.target_arn)
            .role_arn(&self.role_arn)
            .input(schedule_input(&config.tenant))
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

    /// The schedule's expression and time zone, if it exists.
    pub async fn describe(&self, tenant: &str) -> Result<Option<(String, String)>, ScheduleError> {
        let name = schedule_name(tenant);
        match self
            .client
            .get_schedule()
            .name(&name)
            .group_name(&self.group)
            .send()
            .await
        {
            Ok(s) => Ok(Some((
                s.schedule_expression().unwrap_or_default().to_string(),
                s.schedule_expression_timezone()
                    .unwrap_or_default()
                    .to_string(),
            ))),
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
