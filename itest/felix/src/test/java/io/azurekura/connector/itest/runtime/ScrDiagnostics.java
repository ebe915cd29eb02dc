package io.azurekura.connector.itest.runtime;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Collection;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Describes every DS component and why it is not active (e.g. which reference is unsatisfied), for failure
 * messages. Reads SCR's runtime DTOs reflectively: the API is exported by the SCR bundle, as in Kura.
 */
final class ScrDiagnostics {

    private static final String SERVICE = "org.osgi.service.component.runtime.ServiceComponentRuntime";
    private static final String DESCRIPTION = "org.osgi.service.component.runtime.dto.ComponentDescriptionDTO";

    private ScrDiagnostics() {
    }

    static String describe(BundleContext context) {
        StringBuilder text = new StringBuilder();
        try {
            for (Bundle bundle : context.getBundles()) {
                text.append("\n  bundle ").append(bundle.getSymbolicName()).append(' ').append(bundle.getVersion())
                        .append(' ').append(state(bundle.getState()));
            }
            ServiceReference<?> reference = context.getServiceReference(SERVICE);
            if (reference == null) {
                return text.append("\n  (no ServiceComponentRuntime)").toString();
            }
            Object scr = context.getService(reference);
            try {
                Bundle provider = reference.getBundle();
                Class<?> scrType = provider.loadClass(SERVICE);
                Class<?> descriptionType = provider.loadClass(DESCRIPTION);
                Method descriptions = scrType.getMethod("getComponentDescriptionDTOs", Bundle[].class);
                Method configurations = scrType.getMethod("getComponentConfigurationDTOs", descriptionType);
                for (Object description : (Collection<?>) descriptions.invoke(scr, (Object) new Bundle[0])) {
                    text.append("\n  component ").append(field(description, "name"));
                    Collection<?> configs = (Collection<?>) configurations.invoke(scr, description);
                    if (configs.isEmpty()) {
                        text.append(": no configuration (configuration policy ")
                                .append(field(description, "configurationPolicy")).append(')');
                    }
                    for (Object config : configs) {
                        text.append(": ").append(componentState((Integer) field(config, "state")));
                        Object unsatisfied = field(config, "unsatisfiedReferences");
                        for (int i = 0; unsatisfied != null && i < Array.getLength(unsatisfied); i++) {
                            Object ref = Array.get(unsatisfied, i);
                            text.append(" missing ").append(field(ref, "name")).append(' ')
                                    .append(field(ref, "target"));
                        }
                        Object failure = optionalField(config, "failure");
                        if (failure != null) {
                            text.append(" failure: ").append(String.valueOf(failure).lines().findFirst().orElse(""));
                        }
                    }
                }
            } finally {
                context.ungetService(reference);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            text.append("\n  (cannot read SCR state: ").append(e).append(')');
        }
        return text.toString();
    }

    private static Object field(Object dto, String name) throws ReflectiveOperationException {
        return dto.getClass().getField(name).get(dto);
    }

    private static Object optionalField(Object dto, String name) throws IllegalAccessException {
        try {
            Field field = dto.getClass().getField(name);
            return field.get(dto);
        } catch (NoSuchFieldException e) {
            return null;
        }
    }

    private static String componentState(int state) {
        switch (state) {
        case 1:
            return "UNSATISFIED_CONFIGURATION";
        case 2:
            return "UNSATISFIED_REFERENCE";
        case 4:
            return "SATISFIED";
        case 8:
            return "ACTIVE";
        case 16:
            return "FAILED_ACTIVATION";
        default:
            return "state " + state;
        }
    }

    static String state(int state) {
        switch (state) {
        case Bundle.UNINSTALLED:
            return "UNINSTALLED";
        case Bundle.INSTALLED:
            return "INSTALLED";
        case Bundle.RESOLVED:
            return "RESOLVED";
        case Bundle.STARTING:
            return "STARTING";
        case Bundle.STOPPING:
            return "STOPPING";
        case Bundle.ACTIVE:
            return "ACTIVE";
        default:
            return "state " + state;
        }
    }
}
