package dev.timens.junit;

import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * What {@link TimeTravel} runs: before an annotated class's first test the JVM
 * enters a namespace with the class's clocks, and leaves it after the last;
 * an annotated method enters one of its own for its run (the class's, if any,
 * left for that time and entered again after). {@link TimeControl} parameters
 * move the clocks of the namespace the test runs in.
 */
public final class TimeTravelExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver {

    @Override
    public void beforeAll(ExtensionContext context) {
        classClocks(context).ifPresent(t -> JvmNamespace.INSTANCE.enter(t, context.getDisplayName()));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (classClocks(context).isPresent()) JvmNamespace.INSTANCE.leave();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Optional<TimeTravel> own = methodClocks(context);
        if (own.isEmpty()) return;
        if (classClocks(context).isPresent()) JvmNamespace.INSTANCE.leave();
        JvmNamespace.INSTANCE.enter(own.get(), context.getDisplayName());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (methodClocks(context).isEmpty()) return;
        JvmNamespace.INSTANCE.leave();
        classClocks(context).ifPresent(t -> JvmNamespace.INSTANCE.enter(t, context.getDisplayName()));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TimeControl.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (classClocks(context).isEmpty() && methodClocks(context).isEmpty()) {
            throw new ParameterResolutionException("TimeControl moves the clocks of a test under @TimeTravel: annotate"
                    + " the test or its class");
        }
        return JvmNamespace.INSTANCE.control();
    }

    private static Optional<TimeTravel> classClocks(ExtensionContext context) {
        return context.getTestClass().flatMap(c -> find(c));
    }

    private static Optional<TimeTravel> methodClocks(ExtensionContext context) {
        return context.getTestMethod().flatMap(m -> find(m));
    }

    private static Optional<TimeTravel> find(AnnotatedElement element) {
        return AnnotationSupport.findAnnotation(element, TimeTravel.class);
    }
}
