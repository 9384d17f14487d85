import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites, in a jar, every class compiled for a class-file version older than
 * Java 8 (picocli's are Java 5's, version 49) as a Java 8 class with stack maps,
 * the same bytecode otherwise.
 *
 * <p>Why: the JDK's AOT cache (and CDS) skips classes older than version 50
 * ("Old class has been linked"), which must be verified again, by the old
 * verifier, at every start. picocli's 160-odd classes were the largest part of
 * timens's start-up that the cache did not hold. Run by Maven on target/timens.jar
 * after the shade plugin, before the AOT training run:
 * {@code java src/main/packaging/ModernizeClasses.java JAR}.
 */
public final class ModernizeClasses {
    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]);
        Path temporary = jar.resolveSibling(jar.getFileName() + ".tmp");
        int rewritten = 0;
        try (URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            // Stack maps need the common superclass of two types: those of the jar's
            // classes are read from the jar itself, the JDK's from the JDK.
            ClassFile classFile = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                    ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                            .orElse(ClassHierarchyResolver.ofResourceParsing(classes))));
            // Every method body is emitted again (not copied), so that it gets stack maps.
            ClassTransform modernize = ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)
                    .andThen(ClassTransform.endHandler(builder -> builder.withVersion(ClassFile.JAVA_8_VERSION, 0)));
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
                    ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(temporary))) {
                for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                    byte[] bytes = in.readAllBytes();
                    if (entry.getName().endsWith(".class") && !entry.getName().endsWith("module-info.class")) {
                        ClassModel model = classFile.parse(bytes);
                        if (model.majorVersion() < ClassFile.JAVA_8_VERSION) {
                            bytes = classFile.transformClass(model, modernize);
                            rewritten++;
                        }
                    }
                    ZipEntry copy = new ZipEntry(entry.getName());
                    copy.setTime(entry.getTime());
                    out.putNextEntry(copy);
                    out.write(bytes);
                }
            }
        }
        Files.move(temporary, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("[INFO] " + jar.getFileName() + ": " + rewritten + " classes older than Java 8 rewritten"
                + " as Java 8 classes, so that the AOT cache can hold them");
    }
}
