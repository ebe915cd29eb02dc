package io.azurekura.connector.dps.component;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

import io.azurekura.connector.dps.wire.DpsProtocol;

@ObjectClassDefinition(id = DpsProvisionerComponent.PID, name = "Azure DPS provisioner",
        description = "Registers one device identity with the Azure IoT Hub Device Provisioning Service (DPS), "
                + "using registration tokens from your token server, and keeps the assigned hub and device id "
                + "across restarts so that DPS is only called when needed. A hub connection set to use DPS takes "
                + "its hub and device id from here.")
@interface DpsProvisionerConfiguration {

    @AttributeDefinition(name = "ID scope", required = false,
            description = "The DPS instance's ID scope, shown on its overview page in the Azure portal (e.g. "
                    + "0ne00000000).")
    String dps_id_scope() default "";

    @AttributeDefinition(name = "Registration id", required = false,
            description = "The registration id of this device's enrollment (for a group enrollment: the id you "
                    + "choose for this device; DPS uses it as the device id unless the enrollment says otherwise). "
                    + "Letters, digits and - . _ : only.")
    String dps_registration_id() default "";

    @AttributeDefinition(name = "Global endpoint", required = false,
            description = "DPS's device endpoint as host or host:port (an https:// URL is accepted too).")
    String dps_global_endpoint() default "global.azure-devices-provisioning.net";

    @AttributeDefinition(name = "API version", required = false,
            description = "The DPS REST api-version sent with every request.")
    String dps_api_version() default "2021-06-01";

    @AttributeDefinition(name = "Custom payload (JSON)", required = false,
            description = "Optional JSON object sent with the registration, for custom allocation policies, e.g. "
                    + "{\"site\":\"plant-9\"}. Empty for none.")
    String dps_payload() default "";

    @AttributeDefinition(name = "Reprovisioning at start",
            description = "Use the saved assignment when one exists (recommended: no DPS call at start), or "
                    + "register again at every start (a billed DPS operation at every start).",
            options = { @Option(label = "Use the saved assignment", value = "USE_SAVED"),
                    @Option(label = "Register again at every start", value = "ALWAYS_ON_STARTUP") })
    String dps_reprovision_policy() default "USE_SAVED";

    @AttributeDefinition(name = "Reprovision when the hub refuses the device",
            description = "Register again through DPS when the assigned hub refuses this device's credentials "
                    + "(the device may have been moved to another hub). Network errors never cause reprovisioning.")
    boolean dps_reprovision_on_hub_auth_failure() default true;

    @AttributeDefinition(name = "Minimum time between hub-triggered reprovisionings (s)", min = "0",
            description = "At most one reprovisioning caused by hub refusals per this many seconds.")
    int dps_reprovision_min_interval_seconds() default 600;

    @AttributeDefinition(name = "Look up before registering",
            description = "Ask DPS for this device's existing registration (status lookup) before registering "
                    + "anew when no saved assignment exists.")
    boolean dps_lookup_before_register() default false;

    @AttributeDefinition(name = "Shortest poll interval (s)", min = "1",
            description = "DPS's Retry-After is obeyed between status polls but never below this. Polls never "
                    + "exceed DPS's limit of 5 per 10 s whatever this says.")
    int dps_poll_interval_min_seconds() default 2;

    @AttributeDefinition(name = "Longest poll interval (s)", min = "1",
            description = "DPS's Retry-After is obeyed between status polls but never above this.")
    int dps_poll_interval_max_seconds() default 30;

    @AttributeDefinition(name = "Poll interval without Retry-After (s)", min = "1",
            description = "Wait between status polls when DPS sends no Retry-After.")
    int dps_poll_interval_default_seconds() default 3;

    @AttributeDefinition(name = "Registration timeout (s)", min = "10",
            description = "The longest one registration (registering, polling and retries) may take before it "
                    + "counts as failed.")
    int dps_timeout_overall_seconds() default 300;

    @AttributeDefinition(name = "Request timeout (s)", min = "1",
            description = "The longest a single request to DPS may take.")
    int dps_request_timeout_seconds() default 30;

    @AttributeDefinition(name = "Token wait (s)", min = "1",
            description = "How long to wait for a registration token from the token server.")
    int dps_token_wait_seconds() default 30;

    @AttributeDefinition(name = "First retry after a failed registration (s)", min = "1",
            description = "Failed registrations are retried with exponential backoff starting here.")
    int dps_retry_initial_seconds() default 30;

    @AttributeDefinition(name = "Longest wait between registrations (s)", min = "1",
            description = "The backoff between failed registrations grows up to this; failures that retrying "
                    + "cannot fix (refused, not found, disabled) always wait this long.")
    int dps_retry_max_seconds() default 1800;

    @AttributeDefinition(name = "Assignment directory", required = false,
            description = "Directory where the assignment (hub, device id; no secrets) is saved. Empty: the "
                    + "bundle's data area, which Kura's default osgi.clean=true empties at every boot.")
    String dps_assignment_directory() default "/opt/eclipse/kura/user/azure-sts-connector/dps";

    @AttributeDefinition(name = "Allow plain HTTP",
            description = "Allow http:// to a DPS endpoint that is not on this machine. Registration tokens then "
                    + "travel unencrypted; only for closed test networks.")
    boolean dps_allow_insecure_http() default false;

    @AttributeDefinition(name = "Allowed IoT Hub host names", required = false,
            description = "Comma-separated host name suffixes DPS may assign this device to; anything else is "
                    + "refused (ASSIGNMENT_REFUSED) and never saved. The default covers Azure's public, China and "
                    + "US Government clouds. A suffix matches whole labels: azure-devices.net allows "
                    + "myhub.azure-devices.net, not evilazure-devices.net.")
    String dps_hub_allowed_suffixes() default DpsProtocol.DEFAULT_HUB_SUFFIXES_SETTING;

    @AttributeDefinition(name = "Allow IP addresses as hub",
            description = "Accept an IPv4 address as the assigned hub, if it is listed whole among the allowed "
                    + "hub host names. Only for test setups: Azure always assigns host names.")
    boolean dps_hub_allow_ip_literals() default false;

    @AttributeDefinition(name = "Trusted CA keystore", required = false,
            description = "Kura keystore whose certificates are trusted for DPS's TLS certificate. Unset: the "
                    + "Java runtime's default trusted CAs (which trust Azure).")
    String TruststoreKeystoreService_target() default "(kura.service.pid=changeme)";
}
