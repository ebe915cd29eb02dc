package io.azurekura.connector.itest.runtime;

import java.util.Map;

/**
 * A deployment package as DeploymentAdmin reports it after installation.
 *
 * @param symbolicName DeploymentPackage-SymbolicName
 * @param version DeploymentPackage-Version
 * @param bundles Bundle-SymbolicName to Bundle-Version of every bundle it holds
 */
public record InstalledDeploymentPackage(String symbolicName, String version, Map<String, String> bundles) {
}
