package io.azurekura.connector.itest.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.Bundle;

/**
 * Calls Apache Felix DeploymentAdmin the way Kura's DeploymentAgent does ({@code installDeploymentPackage(InputStream)},
 * {@code getDeploymentPackage(name).uninstall()}). The DeploymentAdmin API is exported by the DeploymentAdmin bundle
 * itself, as in Kura, so the test reaches it reflectively through that bundle's class loader instead of sharing a
 * second copy of the API.
 */
final class DeploymentAdminClient {

    static final String SERVICE = "org.osgi.service.deploymentadmin.DeploymentAdmin";
    private static final String PACKAGE = "org.osgi.service.deploymentadmin.DeploymentPackage";
    private static final String BUNDLE_INFO = "org.osgi.service.deploymentadmin.BundleInfo";

    private final Object admin;
    private final Method install;
    private final Method get;
    private final Method name;
    private final Method version;
    private final Method bundleInfos;
    private final Method uninstall;
    private final Method infoName;
    private final Method infoVersion;

    DeploymentAdminClient(Bundle apiBundle, Object admin) {
        this.admin = admin;
        try {
            Class<?> adminType = apiBundle.loadClass(SERVICE);
            Class<?> packageType = apiBundle.loadClass(PACKAGE);
            Class<?> infoType = apiBundle.loadClass(BUNDLE_INFO);
            this.install = adminType.getMethod("installDeploymentPackage", InputStream.class);
            this.get = adminType.getMethod("getDeploymentPackage", String.class);
            this.name = packageType.getMethod("getName");
            this.version = packageType.getMethod("getVersion");
            this.bundleInfos = packageType.getMethod("getBundleInfos");
            this.uninstall = packageType.getMethod("uninstall");
            this.infoName = infoType.getMethod("getSymbolicName");
            this.infoVersion = infoType.getMethod("getVersion");
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            throw new IllegalStateException("the DeploymentAdmin bundle does not provide the OSGi API", e);
        }
    }

    InstalledDeploymentPackage install(Path deploymentPackage) {
        try (InputStream in = Files.newInputStream(deploymentPackage)) {
            return describe(call(this.install, this.admin, in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Optional<InstalledDeploymentPackage> find(String symbolicName) {
        Object dp = call(this.get, this.admin, symbolicName);
        return dp == null ? Optional.empty() : Optional.of(describe(dp));
    }

    boolean uninstall(String symbolicName) {
        Object dp = call(this.get, this.admin, symbolicName);
        if (dp == null) {
            return false;
        }
        call(this.uninstall, dp);
        return true;
    }

    private InstalledDeploymentPackage describe(Object dp) {
        Map<String, String> bundles = new LinkedHashMap<>();
        for (Object info : (Object[]) call(this.bundleInfos, dp)) {
            bundles.put((String) call(this.infoName, info), String.valueOf(call(this.infoVersion, info)));
        }
        return new InstalledDeploymentPackage((String) call(this.name, dp), String.valueOf(call(this.version, dp)),
                Map.copyOf(bundles));
    }

    private static Object call(Method method, Object target, Object... args) {
        try {
            return method.invoke(target, args);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new IllegalStateException("DeploymentAdmin " + method.getName() + " failed: " + describe(cause),
                    cause);
        }
    }

    /** DeploymentException carries a spec-defined code (e.g. 5 = CODE_MISSING_BUNDLE); put it in the message. */
    private static String describe(Throwable failure) {
        String text = String.valueOf(failure);
        try {
            Object code = failure.getClass().getMethod("getCode").invoke(failure);
            text = text + " (code " + code + ")";
        } catch (ReflectiveOperationException e) {
            // not a DeploymentException
        }
        Throwable nested = failure.getCause();
        return nested == null ? text : text + " caused by " + nested;
    }
}
