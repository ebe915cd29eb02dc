package io.azurekura.connector.itest.runtime;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards what SCR, ConfigAdmin, Metatype and DeploymentAdmin log to the OSGi LogService into the test log, so a
 * component that fails to activate shows up in the surefire report. The log API lives in the runtime's bundles
 * (the Felix log bundle, or the Equinox framework), so the listener is a proxy of their LogListener interface.
 */
final class OsgiLogBridge {

    private static final String READER = "org.osgi.service.log.LogReaderService";
    private static final String LISTENER = "org.osgi.service.log.LogListener";
    private static final Logger LOG = LoggerFactory.getLogger("osgi.log");

    private OsgiLogBridge() {
    }

    /** Attaches to the LogReaderService if there is one; returns false otherwise. */
    static boolean attach(BundleContext context, RuntimeLog log) {
        ServiceReference<?> reference = context.getServiceReference(READER);
        if (reference == null) {
            return false;
        }
        Object reader = context.getService(reference);
        try {
            Bundle provider = reference.getBundle();
            Class<?> readerType = provider.loadClass(READER);
            Class<?> listenerType = provider.loadClass(LISTENER);
            Object listener = Proxy.newProxyInstance(listenerType.getClassLoader(), new Class<?>[] { listenerType },
                    (proxy, method, args) -> {
                        switch (method.getName()) {
                        case "logged":
                            forward(args[0], log);
                            return null;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        case "toString":
                            return "test log bridge";
                        default:
                            return null;
                        }
                    });
            readerType.getMethod("addLogListener", listenerType).invoke(reader, listener);
            return true;
        } catch (ReflectiveOperationException e) {
            LOG.warn("cannot bridge the OSGi log: {}", e.toString());
            return false;
        }
    }

    private static void forward(Object entry, RuntimeLog log) throws ReflectiveOperationException {
        Bundle bundle = (Bundle) invoke(entry, "getBundle");
        int level = (Integer) invoke(entry, "getLevel");
        String message = (String) invoke(entry, "getMessage");
        Throwable failure = (Throwable) invoke(entry, "getException");
        String source = bundle == null ? "?" : bundle.getSymbolicName();
        StringBuilder line = new StringBuilder("OSGi ").append(levelName(level)).append(' ').append(source)
                .append(": ").append(message);
        for (Throwable t = failure; t != null; t = t.getCause()) {
            line.append(" | ").append(t);
        }
        log.add(line.toString());
        // LogService levels: 1 error, 2 warning, 3 info, 4 debug
        if (level <= 1) {
            LOG.error("[{}] {}", source, message, failure);
        } else if (level == 2) {
            LOG.warn("[{}] {}", source, message, failure);
        } else if (level == 3) {
            LOG.info("[{}] {}", source, message);
        } else {
            LOG.debug("[{}] {}", source, message);
        }
    }

    private static String levelName(int level) {
        switch (level) {
        case 1:
            return "ERROR";
        case 2:
            return "WARN";
        case 3:
            return "INFO";
        default:
            return "DEBUG";
        }
    }

    private static Object invoke(Object target, String name) throws ReflectiveOperationException {
        Method method = findPublicInterfaceMethod(target.getClass(), name);
        return method.invoke(target);
    }

    /** LogEntry implementations are often package-private classes: call through the public interface. */
    private static Method findPublicInterfaceMethod(Class<?> type, String name) throws NoSuchMethodException {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> api : c.getInterfaces()) {
                try {
                    return api.getMethod(name);
                } catch (NoSuchMethodException e) {
                    // keep looking
                }
            }
        }
        throw new NoSuchMethodException(type.getName() + "." + name);
    }
}
